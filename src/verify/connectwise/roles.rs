//! ConnectWise permission rows and the security role: each guide row against the member's
//! effective security, functions above the guide, and the role's Admin flag (read with an
//! administrator's keys).

use super::*;

impl CwRun {
    /// A guide row against the member's effective security.
    pub async fn row(&self, ctx: Ctx<'_>, row: &PermissionRow) -> Outcome {
        let Some(function) = row.psa_function().filter(|_| row.has_levels()) else {
            return Outcome::manual(
                "ConnectWise's API cannot observe this setting; confirm it yourself.",
            );
        };
        // The guide's spelling may differ from ConnectWise's ("Time and Expense"): the row is
        // looked up by ConnectWise's name, and its note says so.
        let module = row.psa_module();
        let settings = match self.security().await {
            Ok(s) => s,
            Err(o) => return o,
        };
        let Some(actual) = find_setting(settings, module, function) else {
            let near = near_matches(settings, module, function);
            let hint = if near.is_empty() {
                "no similar function either".to_string()
            } else {
                format!("similar: {}", near.join(", "))
            };
            return with_note(
                Outcome::warn(format!(
                    "ConnectWise does not list \"{module} › {function}\" in the member's security (renamed on this version?); {hint}"
                )),
                row,
            );
        };
        let diffs = compare_row(row, actual);
        let mut parts: Vec<String> = Vec::new();
        let below: Vec<_> = diffs
            .iter()
            .filter(|d| d.direction == Direction::Below)
            .collect();
        let above: Vec<_> = diffs
            .iter()
            .filter(|d| d.direction == Direction::Above)
            .collect();
        let fmt = |d: &crate::verify::levels::OpDiff| {
            let note = if d.unknown_string {
                " (an undocumented level, read as My)"
            } else {
                ""
            };
            format!(
                "{} is {}{note}, the guide says {}",
                d.op, d.actual, d.required
            )
        };
        let first = below
            .first()
            .or(above.first())
            .map(|d| PermissionObservation {
                module: module.to_string(),
                function: function.to_string(),
                op: d.op.to_string(),
                required: d.required.clone(),
                actual: d.actual.clone(),
            });
        if !below.is_empty() {
            parts.push(format!(
                "missing: {}",
                below.iter().map(|d| fmt(d)).collect::<Vec<_>>().join("; ")
            ));
        }
        if !above.is_empty() {
            parts.push(format!(
                "more than needed: {}",
                above.iter().map(|d| fmt(d)).collect::<Vec<_>>().join("; ")
            ));
        }
        let status = if !below.is_empty() || (!above.is_empty() && ctx.opts.strict) {
            Status::Fail
        } else if !above.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        if status != Status::Pass
            && let Some(hint) = self.role_definition_hint(&ctx, row, function).await
        {
            parts.push(hint);
        }
        let detail = if parts.is_empty() {
            // Levels the guide's row does not give are reported apart: they were not compared.
            let level = |op: &str| {
                format!(
                    "{op} {}",
                    crate::verify::levels::reported_for(actual, op).verbatim
                )
            };
            let (given, other): (Vec<_>, Vec<_>) = crate::verify::levels::OPS
                .iter()
                .partition(|(_, col)| row.level(*col).is_some());
            let given: Vec<String> = given.iter().map(|(op, _)| level(op)).collect();
            let other: Vec<String> = other.iter().map(|(op, _)| level(op)).collect();
            if other.is_empty() {
                format!("as the guide says: {}", given.join(", "))
            } else {
                format!(
                    "as the guide says: {}; not in the guide's row, not compared: {}",
                    given.join(", "),
                    other.join(", ")
                )
            }
        } else {
            parts.join(". ")
        };
        let observations: Vec<PermissionObservation> = row
            .levels()
            .filter_map(|(col, required)| {
                let (op, _) = crate::verify::levels::OPS.iter().find(|(_, c)| *c == col)?;
                let actual = crate::verify::levels::reported_for(actual, op).verbatim;
                Some(PermissionObservation {
                    module: module.to_string(),
                    function: function.to_string(),
                    op: op.to_string(),
                    required: required.to_string(),
                    actual: actual.to_string(),
                })
            })
            .collect();
        let answer = crate::verify::levels::OPS
            .iter()
            .map(|(op, _)| {
                format!(
                    "{op} {}",
                    crate::verify::levels::reported_for(actual, op).verbatim
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = Outcome::with(status, with_note_text(detail, row)).asked(
            "GET system/mySecurity",
            format!("{module} › {function}: {answer}"),
        );
        out.permission = first.or_else(|| observations.first().cloned());
        out.observations = observations;
        out
    }

    /// With admin keys: what the role itself says for a differing row. When the role is right
    /// but the member's effective security is not, ConnectWise has not applied the change yet.
    async fn role_definition_hint(
        &self,
        ctx: &Ctx<'_>,
        row: &PermissionRow,
        function: &str,
    ) -> Option<String> {
        let name = role_name(ctx)?;
        let Ok(Some((_, settings))) = self.admin_role(&name).await? else {
            return None;
        };
        let def = find_setting(settings, row.psa_module(), function)?;
        if compare_row(row, def)
            .iter()
            .any(|d| d.direction == Direction::Below)
        {
            Some(format!("the role \"{name}\" itself is set this way too"))
        } else {
            Some(format!(
                "the role \"{name}\" itself is set as the guide says: ConnectWise has not applied it to the member yet \
(save the role, then re-save the member, and check again in a minute)"
            ))
        }
    }

    pub(super) async fn excess_outcome(&self, ctx: Ctx<'_>) -> Outcome {
        let settings = match self.security().await {
            Ok(s) => s,
            Err(o) => return o,
        };
        let wizard: &Wizard = ctx.wizard;
        let rows: Vec<&PermissionRow> = wizard.rows().map(|(_, r)| r).collect();
        let extra = excess(settings, &rows);
        if extra.is_empty() {
            return Outcome::pass(format!(
                "{} functions checked; none outside the guide's table grants anything (psa-onboard's \
least-privilege advice)",
                settings.len()
            ));
        }
        let list: Vec<String> = extra
            .iter()
            .map(|(l, g)| format!("\n  • {l} ({g})"))
            .collect();
        // psa-onboard's least-privilege advice, not the guide's: the guide says functions it
        // does not mention can be left at their default settings. A warning; `--strict` fails it.
        let d = format!(
            "psa-onboard's least-privilege advice (not the guide's requirement: the guide lets functions it does \
not mention stay at their default settings): {} function(s) outside the guide's table grant access:{}",
            extra.len(),
            list.concat()
        );
        if ctx.opts.strict {
            Outcome::fail(d)
        } else {
            Outcome::warn(d)
        }
    }

    /// The role as an administrator sees it: its record and settings (admin keys only).
    pub(super) async fn admin_role(&self, name: &str) -> Option<&Result<AdminRole, PsaError>> {
        let admin = self.admin.as_ref()?;
        Some(
            self.admin_role
                .get_or_init(|| async {
                    let admin = admin.as_ref().map_err(Clone::clone)?;
                    if admin.base().is_none() {
                        // Same site and company: the codebase the run already resolved.
                        match self.client.as_ref().ok().and_then(|c| c.base()) {
                            Some(base) => admin.set_base(&base),
                            None => {
                                admin.company_info().await?;
                            }
                        }
                    }
                    let roles = admin.security_roles(name).await?;
                    let Some(role) = roles.into_iter().next() else {
                        return Ok(None);
                    };
                    let settings = match role.get("id").and_then(Value::as_i64) {
                        Some(id) => admin.role_settings(id).await?,
                        None => Vec::new(),
                    };
                    Ok(Some((role, settings)))
                })
                .await,
        )
    }

    pub(super) async fn not_admin_outcome(&self, ctx: Ctx<'_>) -> Outcome {
        let Some(name) = role_name(&ctx) else {
            return Outcome::manual(
                "The guide names no role; confirm in System → Security Roles that the role is not an admin role.",
            );
        };
        match self.admin_role(&name).await {
            None => Outcome::manual(format!(
                "Reading a role's Admin flag needs an administrator's API keys (not given); confirm in System → Security \
Roles that \"{name}\" is not an admin role."
            )),
            Some(Err(e)) => Outcome::fail(format!(
                "could not read the role with the administrator's keys: {}",
                said(e)
            ))
            .because(e),
            Some(Ok(None)) => Outcome::fail(format!("there is no security role named \"{name}\"")),
            Some(Ok(Some((role, _)))) => {
                if role.get("adminFlag").and_then(Value::as_bool) == Some(true) {
                    Outcome::fail(format!(
                        "the role \"{name}\" is an admin role: it grants everything"
                    ))
                } else if role.get("inactiveFlag").and_then(Value::as_bool) == Some(true) {
                    Outcome::fail(format!("the role \"{name}\" is inactive"))
                } else {
                    Outcome::pass(format!("the role \"{name}\" is not an admin role"))
                }
            }
        }
    }
}
