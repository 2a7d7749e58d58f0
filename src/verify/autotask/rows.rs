//! Autotask permission rows: an entity mapping compared with what `entityInformation` (and a
//! query probe, where the guide asks for one) says the API user may do.

use super::*;

/// `Access` as the guide's expectation text.
fn access_label(a: Access) -> &'static str {
    match a {
        Access::All => "All",
        Access::Any => "any (All or Restricted)",
        Access::Restricted => "Restricted (the guide's Mine)",
        Access::None => "None",
    }
}

/// The entityInformation field an operation's access is reported in (`userAccessFor…`).
fn op_field(op: Op) -> &'static str {
    match op {
        Op::Query => "Query",
        Op::Create => "Create",
        Op::Update => "Update",
        Op::Delete => "Delete",
    }
}

fn access_of(info: &EntityInfo, op: Op) -> Option<UserAccess> {
    match op {
        Op::Query => info.access_query,
        Op::Create => info.access_create,
        Op::Update => info.access_update,
        Op::Delete => info.access_delete,
    }
}

/// How an entity operation's reported access compares with the guide's expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessCmp {
    Ok,
    /// `Restricted` where `All` is required: a fail (Autotask silently returns part of the data).
    Restricted,
    /// `Restricted` where the guide gives no scope (`Any`): a warning.
    RestrictedAllowed,
    /// Less than required.
    Below,
    /// More than the guide grants (expected None, or Restricted for the guide's Mine).
    Excess,
    /// Not reported.
    Unknown,
}

pub(crate) fn compare_access(expected: Access, actual: Option<UserAccess>) -> AccessCmp {
    match (expected, actual) {
        (_, None) => AccessCmp::Unknown,
        (Access::All, Some(UserAccess::All)) => AccessCmp::Ok,
        (Access::All, Some(UserAccess::Restricted)) => AccessCmp::Restricted,
        (Access::All | Access::Any | Access::Restricted, Some(UserAccess::None)) => {
            AccessCmp::Below
        }
        (Access::Any, Some(UserAccess::Restricted)) => AccessCmp::RestrictedAllowed,
        (Access::Any, Some(_)) => AccessCmp::Ok,
        (Access::Restricted, Some(UserAccess::Restricted)) => AccessCmp::Ok,
        (Access::Restricted, Some(UserAccess::All)) => AccessCmp::Excess,
        (Access::None, Some(UserAccess::None)) => AccessCmp::Ok,
        (Access::None, Some(_)) => AccessCmp::Excess,
    }
}

impl AtRun {
    /// A permission row with an entity mapping.
    pub async fn row(&self, ctx: Ctx<'_>, row: &PermissionRow) -> Outcome {
        let Some((v, _, _)) = plan::row_reads(row) else {
            let what = if row.shape() == RowShape::Levels {
                "permission"
            } else {
                "setting"
            };
            return Outcome::manual(format!(
                "Autotask's REST API cannot observe this {what}; confirm it in the security level yourself."
            ));
        };
        if let Err(skip) = self.gate().await {
            return skip;
        }
        let mut fails: Vec<String> = Vec::new();
        let mut warns: Vec<String> = Vec::new();
        let mut oks: Vec<String> = Vec::new();
        let mut first: Option<(PermissionObservation, bool)> = None;
        let mut observations: Vec<PermissionObservation> = Vec::new();
        let mut evidence: Vec<crate::verify::Evidence> = Vec::new();
        let ask = |evidence: &mut Vec<crate::verify::Evidence>, request: String, answer: String| {
            evidence.push(crate::verify::Evidence { request, answer })
        };
        // A probe that failed for a reason outside the setup (network, outage) sets the remedy.
        let mut cause: Option<crate::psa::PsaError> = None;
        let note = |obs: PermissionObservation,
                    hard: bool,
                    first: &mut Option<(PermissionObservation, bool)>| {
            if first.as_ref().is_none_or(|(_, h)| !*h && hard) {
                *first = Some((obs, hard));
            }
        };
        for entity in v.all_entities() {
            let info = match self.entity_info(entity).await {
                Ok(i) => i,
                Err(e) => {
                    fails.push(format!(
                        "{entity}: entity information refused: {}",
                        said(&e)
                    ));
                    cause = cause.or_else(|| Some(e.clone()));
                    continue;
                }
            };
            for (op, want) in v.expectations() {
                let got = access_of(&info, op);
                let shown = got.map(UserAccess::label).unwrap_or("not reported");
                let obs = PermissionObservation {
                    module: row.module.clone(),
                    function: entity.to_string(),
                    op: op.label().into(),
                    required: access_label(want).into(),
                    actual: shown.into(),
                };
                observations.push(obs.clone());
                ask(
                    &mut evidence,
                    format!("GET /V1.0/{entity}/entityInformation"),
                    format!("{entity} userAccessFor{} = {shown}", op_field(op)),
                );
                match compare_access(want, got) {
                    AccessCmp::Ok => oks.push(format!("{entity} {} = {shown}", op.label())),
                    AccessCmp::Restricted => {
                        fails.push(format!(
                            "{entity} {} is Restricted where the guide says All: Autotask then returns only \
part of the data, without an error",
                            op.label()
                        ));
                        note(obs, true, &mut first);
                    }
                    AccessCmp::RestrictedAllowed => {
                        warns.push(format!(
                            "{entity} {} is Restricted: the guide sets no scope, but Autotask returns only part \
of the data",
                            op.label()
                        ));
                        note(obs, false, &mut first);
                    }
                    AccessCmp::Below => {
                        // Autotask reports the caller's own rights: whatever module grants it,
                        // the integration cannot do what the guide's row is for.
                        fails.push(format!(
                            "{entity} {} = None: the API user cannot do what this row is for",
                            op.label()
                        ));
                        note(obs, true, &mut first);
                    }
                    AccessCmp::Excess => {
                        let t = format!(
                            "{entity} {} = {shown}, more than the guide grants ({})",
                            op.label(),
                            access_label(want)
                        );
                        if ctx.opts.strict {
                            fails.push(t);
                            note(obs, true, &mut first);
                        } else {
                            warns.push(t);
                            note(obs, false, &mut first);
                        }
                    }
                    AccessCmp::Unknown => {
                        warns.push(format!("{entity} {}: access not reported", op.label()))
                    }
                }
                if op == Op::Query && want != Access::None {
                    match self.probe_query(entity).await {
                        Ok(n) => {
                            ask(
                                &mut evidence,
                                format!("POST /V1.0/{entity}/query (MaxRecords 1)"),
                                format!("answered with {n} record(s)"),
                            );
                            oks.push(format!(
                                "{entity} query probe answered ({n} of at most 1 record)"
                            ))
                        }
                        Err(e) if e.is_permission() => {
                            ask(
                                &mut evidence,
                                format!("POST /V1.0/{entity}/query (MaxRecords 1)"),
                                format!("refused: {}", said(&e)),
                            );
                            fails.push(format!(
                                "{entity}: the query probe was refused: {}",
                                said(&e)
                            ));
                            note(
                                PermissionObservation {
                                    module: row.module.clone(),
                                    function: entity.to_string(),
                                    op: "query".into(),
                                    required: access_label(want).into(),
                                    actual: "refused".into(),
                                },
                                true,
                                &mut first,
                            );
                        }
                        Err(e) => {
                            fails.push(format!("{entity}: the query probe failed: {}", said(&e)));
                            cause = cause.or(Some(e));
                        }
                    }
                }
            }
        }
        let status = if !fails.is_empty() {
            Status::Fail
        } else if !warns.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        let mut detail = fails
            .iter()
            .chain(warns.iter())
            .chain(oks.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        // What this check cannot tell (shared by several rows, a column left out) travels with it.
        if let Some(n) = v.note.as_deref() {
            detail.push_str(&format!(". Note: {n}"));
        }
        let mut out = Outcome::with(status, detail);
        out.permission = first
            .map(|(o, _)| o)
            .or_else(|| observations.first().cloned());
        out.observations = observations;
        out.evidence = evidence;
        out.remedy = cause.and_then(|e| e.network_remedy());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_comparison() {
        use AccessCmp::*;
        assert_eq!(compare_access(Access::All, Some(UserAccess::All)), Ok);
        assert_eq!(
            compare_access(Access::All, Some(UserAccess::Restricted)),
            Restricted
        );
        assert_eq!(compare_access(Access::All, Some(UserAccess::None)), Below);
        assert_eq!(
            compare_access(Access::Any, Some(UserAccess::Restricted)),
            RestrictedAllowed
        );
        assert_eq!(compare_access(Access::Any, Some(UserAccess::All)), Ok);
        assert_eq!(compare_access(Access::Any, Some(UserAccess::None)), Below);
        assert_eq!(compare_access(Access::None, Some(UserAccess::None)), Ok);
        assert_eq!(
            compare_access(Access::None, Some(UserAccess::Restricted)),
            Excess
        );
        assert_eq!(compare_access(Access::Any, None), Unknown);
        // The guide's Mine: Restricted is exactly it; All is more, None is less.
        assert_eq!(
            compare_access(Access::Restricted, Some(UserAccess::Restricted)),
            Ok
        );
        assert_eq!(
            compare_access(Access::Restricted, Some(UserAccess::All)),
            Excess
        );
        assert_eq!(
            compare_access(Access::Restricted, Some(UserAccess::None)),
            Below
        );
    }
}
