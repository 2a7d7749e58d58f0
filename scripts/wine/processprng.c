/*
 * Test-only stand-in for bcryptprimitives.dll, for running psa-onboard.exe under Wine 8.0,
 * which lacks ProcessPrng (Rust's standard library imports it on Windows). Real Windows has the
 * DLL: this file is never shipped. It fills the buffer from advapi32's RtlGenRandom
 * (SystemFunction036), which Wine has. Built by scripts/wine-check.sh with mingw.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
