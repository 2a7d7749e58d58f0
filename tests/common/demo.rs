//! The demo on a pseudo-terminal, walked as a person would: on each step "do it for me" (the
//! sandbox does what the step says), then "next".

use super::pty::{self, Pty, tick_manual_items};

impl Pty {
    /// Steps 1 to `n` of a `total`-step demo with the keys the footer shows: on each step "do
    /// it for me", then "next" once the step offers it.
    pub fn demo_steps(&mut self, n: usize, total: usize) {
        for i in 1..=n {
            self.wait_for(&[&format!("Step {i} of {total}")]);
            self.press("do it for me");
            // The sandbox answered; "next" is offered once verifying (if any) is done.
            self.wait_for(&["Done in the sandbox"]);
            self.press("next");
        }
    }

    /// Walk a demo from its first step to the summary (see [`Pty::demo_steps`]).
    pub fn walk_demo(&mut self, steps: usize) -> String {
        self.demo_steps(steps, steps);
        self.wait_for(&["Summary", &format!("{steps}/{steps} done")])
    }

    /// The ConnectWise demo (topleft-connectwise) from its first step to the credentials form:
    /// steps 1 and 2 done in the sandbox, the demo ticking step 2's manual item itself.
    pub fn demo_cw_to_keys(&mut self) {
        self.wait_for(&["DEMO", "Step 1 of 5"]);
        self.send_wait("a", &["Done in the sandbox"]);
        self.send_wait("n", &["Step 2 of 5"]);
        self.send_wait("a", &["Done in the sandbox", "The demo ticked 1"]);
        self.send_wait("n", &["Step 3 of 5", "Connection details"]);
    }

    /// On the ConnectWise demo's credentials step: the sandbox creates the keys, they verify
    /// (credentialed requests really were made), and the rail counts 3 of 5 done.
    pub fn demo_cw_keys(&mut self) -> String {
        self.send_wait("a", &["passed on the PSA"]);
        self.wait_done(3, 5)
    }

    /// An Autotask demo of wizard `id` from its first step through its API user (step 2), each
    /// done in the sandbox, step 1's manual items ticked by hand.
    pub fn demo_at_to_api_user(&mut self, id: &str) {
        self.wait_for(&["DEMO", "Step 1 of 6", "a do it for me"]);
        self.send(&tick_manual_items(id, 0));
        self.send_wait("a", &["Done in the sandbox"]);
        self.send_wait("n", &["Step 2 of 6"]);
        self.send_wait("a", &["passed on the PSA"]);
        self.wait_done(2, 6);
    }

    /// Wait until the rail shows `n` steps done.
    pub fn wait_done(&self, n: usize, total: usize) -> String {
        self.wait_for(&[&format!("{n}/{total} done")])
    }

    /// Wait until the keys sent so far are handled and nothing is in flight. The ticks alone
    /// can make a step count as done while "do it for me" is still running in the sandbox, and
    /// `n` is refused until it is: the help overlay opening proves the earlier keys were handled
    /// (keys are handled in order), then the sandbox's work and the verification it starts must
    /// be over.
    pub fn settle(&mut self) {
        // A line of the overlay that fits on 80×24.
        const HELP: &str = "Show every key and what it does.";
        self.send_wait("?", &[HELP]);
        self.send("\x1b");
        let start = std::time::Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(HELP)
                && !screen.contains("Doing this step in the sandbox")
                && !screen.contains("Verifying against the PSA")
            {
                return;
            }
            assert!(
                start.elapsed() < pty::PATIENCE,
                "still busy; the screen shows:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
