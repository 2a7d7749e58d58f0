//! Semantic validation of a parsed wizard: the rules serde cannot express.
//!
//! Each problem carries the path of the offending value (`steps[2].permissions[4].view`) so the
//! loader can point at its line and column.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::model::*;

/// One segment of a path into the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Idx(usize),
}

pub type Path = Vec<Seg>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: Path,
    pub message: String,
}

/// Autotask entities that answer `entityInformation`, from the official Swagger.
static AUTOTASK_ENTITIES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("autotask_entities.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

pub fn is_autotask_entity(name: &str) -> bool {
    AUTOTASK_ENTITIES.contains(name)
}

struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    fn push(&mut self, path: Path, message: impl Into<String>) {
        self.problems.push(Problem {
            path,
            message: message.into(),
        });
    }
}

fn p(base: &Path, segs: &[Seg]) -> Path {
    let mut out = base.clone();
    out.extend_from_slice(segs);
    out
}

pub fn validate(w: &Wizard) -> Vec<Problem> {
    let mut cx = Ctx {
        problems: Vec::new(),
    };
    if !is_slug(&w.id) {
        cx.push(
            vec![Seg::Key("id")],
            format!(
                "wizard id {:?} must be lowercase letters, digits and dashes, e.g. \"acme-autotask\"",
                w.id
            ),
        );
    }
    if w.steps.is_empty() {
        cx.push(
            vec![Seg::Key("steps")],
            "a wizard needs at least one [[steps]]",
        );
    }
    validate_integration(w, &mut cx);

    let mut step_ids = HashSet::new();
    for (si, step) in w.steps.iter().enumerate() {
        let base = vec![Seg::Key("steps"), Seg::Idx(si)];
        if !is_slug(&step.id) {
            cx.push(
                p(&base, &[Seg::Key("id")]),
                format!(
                    "step id {:?} must be lowercase letters, digits and dashes",
                    step.id
                ),
            );
        } else if !step_ids.insert(step.id.as_str()) {
            cx.push(
                p(&base, &[Seg::Key("id")]),
                format!("duplicate step id {:?}: step ids must be unique", step.id),
            );
        }
        if let Some(psa) = step.kind.psa()
            && psa != w.psa
        {
            cx.push(
                p(&base, &[Seg::Key("kind")]),
                format!(
                    "step kind {:?} is a {} step, but this wizard is for {}",
                    step.kind.label(),
                    psa.label(),
                    w.psa.label()
                ),
            );
        }
        if step.title.trim().is_empty() {
            cx.push(p(&base, &[Seg::Key("title")]), "a step needs a title");
        }
        if step.optional && step.condition.is_none() {
            cx.push(
                p(&base, &[Seg::Key("optional")]),
                "an optional step needs `condition`: when the guide says to do it",
            );
        }
        if let Some(place) = &step.place {
            validate_place(place, &p(&base, &[Seg::Key("where")]), &mut cx);
        }
        validate_kind_fields(w, step, &base, &mut cx);
        for (ri, row) in step.permissions.iter().enumerate() {
            validate_row(
                w.psa,
                row,
                &p(&base, &[Seg::Key("permissions"), Seg::Idx(ri)]),
                &mut cx,
            );
        }
        let mut check_ids = HashSet::new();
        for (ci, check) in step.checks.iter().enumerate() {
            let cbase = p(&base, &[Seg::Key("checks"), Seg::Idx(ci)]);
            if !is_slug(&check.id) {
                cx.push(
                    p(&cbase, &[Seg::Key("id")]),
                    format!(
                        "check id {:?} must be lowercase letters, digits and dashes",
                        check.id
                    ),
                );
            } else if !check_ids.insert(check.id.as_str()) {
                cx.push(
                    p(&cbase, &[Seg::Key("id")]),
                    format!("duplicate check id {:?} in step {:?}", check.id, step.id),
                );
            }
            validate_check(w.psa, check, &cbase, &mut cx);
        }
    }
    cx.problems
}

fn validate_integration(w: &Wizard, cx: &mut Ctx) {
    let base = vec![Seg::Key("integration")];
    if let Some(t) = &w.integration.tracking_identifier {
        if w.psa != Psa::Autotask {
            cx.push(
                p(&base, &[Seg::Key("tracking_identifier")]),
                "a tracking identifier is an Autotask value; ConnectWise uses `client_id`",
            );
        } else if t.trim().is_empty() || t.chars().any(char::is_whitespace) {
            cx.push(
                p(&base, &[Seg::Key("tracking_identifier")]),
                "the tracking identifier must be the vendor's code, without spaces",
            );
        }
    }
    if w.integration.tracking_identifier_source.is_some() && w.psa != Psa::Autotask {
        cx.push(
            p(&base, &[Seg::Key("tracking_identifier_source")]),
            "a tracking identifier is an Autotask value; ConnectWise uses `client_id_source`",
        );
    }
    if w.integration.client_id_source.is_some() && w.psa != Psa::Connectwise {
        cx.push(
            p(&base, &[Seg::Key("client_id_source")]),
            "a clientId is a ConnectWise value; Autotask uses `tracking_identifier_source`",
        );
    }
    for (key, text) in [
        (
            "tracking_identifier_source",
            &w.integration.tracking_identifier_source,
        ),
        ("client_id_source", &w.integration.client_id_source),
    ] {
        if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            cx.push(
                p(&base, &[Seg::Key(key)]),
                format!("`{key}` is empty: say where the admin gets the value, or leave it out (then: from the vendor)"),
            );
        }
    }
    if let Some(c) = &w.integration.client_id {
        if w.psa != Psa::Connectwise {
            cx.push(
                p(&base, &[Seg::Key("client_id")]),
                "a clientId is a ConnectWise value; Autotask uses `tracking_identifier`",
            );
        } else if !is_guid(c) {
            cx.push(
                p(&base, &[Seg::Key("client_id")]),
                format!("clientId {c:?} is not a GUID (expected 8-4-4-4-12 hex digits)"),
            );
        }
    }
}

/// Longest `where` accepted: it is a heading ("Do this in …:"), not prose.
const MAX_PLACE: usize = 60;

/// `where` names a place in a few words on one line ("Slack", "the Tasky Console").
fn validate_place(place: &str, path: &Path, cx: &mut Ctx) {
    let t = place.trim();
    if t.is_empty() {
        cx.push(
            path.clone(),
            "`where` is empty: name where the instructions happen (\"Slack\"), or leave it out for the PSA",
        );
    } else if t.chars().any(char::is_control) {
        cx.push(
            path.clone(),
            "`where` must be one line of text, without control characters",
        );
    } else if t.chars().count() > MAX_PLACE {
        cx.push(
            path.clone(),
            format!(
                "`where` is {} characters; name the place in at most {MAX_PLACE} (the instructions say the rest)",
                t.chars().count()
            ),
        );
    }
}

fn validate_kind_fields(w: &Wizard, step: &Step, base: &Path, cx: &mut Ctx) {
    let need = |cx: &mut Ctx, present: bool, key: &'static str, what: &str| {
        if !present {
            cx.push(
                p(base, &[Seg::Key("kind")]),
                format!("a {} step needs `{key}`: {what}", step.kind.label()),
            );
        }
    };
    match step.kind {
        StepKind::SecurityLevel => need(
            cx,
            step.name.is_some(),
            "name",
            "the security level's name the guide asks for",
        ),
        StepKind::SecurityRole => need(
            cx,
            step.name.is_some(),
            "name",
            "the security role's name the guide asks for",
        ),
        StepKind::ApiUser => need(
            cx,
            step.security_level.is_some(),
            "security_level",
            "the security level the API user gets",
        ),
        StepKind::ApiMember => {
            let role = step.member.as_ref().and_then(|m| m.role.as_ref());
            need(
                cx,
                role.is_some(),
                "member.role",
                "the security role the API member gets",
            );
            need(
                cx,
                step.member
                    .as_ref()
                    .and_then(|m| m.identifier.as_ref())
                    .is_some(),
                "member.identifier",
                "the Member ID the guide suggests",
            );
        }
        StepKind::CredentialSubmission => match &step.portal {
            None => need(cx, false, "portal", "the vendor's portal URL and fields"),
            Some(portal) => {
                let pbase = p(base, &[Seg::Key("portal")]);
                match &portal.url {
                    Some(url) if !url.starts_with("https://") => cx.push(
                        p(&pbase, &[Seg::Key("url")]),
                        format!("portal url {url:?} must start with https://"),
                    ),
                    None if portal.page.is_none() => cx.push(
                        pbase.clone(),
                        "a portal needs `url` or, when the guide gives no address, `page`: the guide's name for it",
                    ),
                    _ => {}
                }
                if let Some(ep) = &portal.submit_endpoint
                    && !ep.starts_with("https://")
                {
                    cx.push(
                        p(&pbase, &[Seg::Key("submit_endpoint")]),
                        format!("submit_endpoint {ep:?} must start with https://: credentials never travel in clear text"),
                    );
                }
                for (fi, field) in portal.fields.iter().enumerate() {
                    if field.psa() != w.psa {
                        cx.push(
                            p(&pbase, &[Seg::Key("fields"), Seg::Idx(fi)]),
                            format!(
                                "portal field {:?} is a {} value, but this wizard is for {}",
                                field.label(),
                                field.psa().label(),
                                w.psa.label()
                            ),
                        );
                    }
                }
            }
        },
        _ => {}
    }
    if !step.license_limits.is_empty() && step.kind != StepKind::Impersonation {
        cx.push(
            p(base, &[Seg::Key("license_limits")]),
            "`license_limits` belongs to an impersonation step",
        );
    }
}

fn validate_row(psa: Psa, row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    let shapes = row.shapes();
    match shapes.len() {
        0 => {
            cx.push(
                base.clone(),
                "a permission row needs level columns (view/add/edit/delete/inquire/permission), \
                 a `checkbox`, a `setting` with `value`, or `required`",
            );
            return;
        }
        1 => {}
        _ => {
            cx.push(
                base.clone(),
                "a permission row is one thing: level columns, a checkbox, a setting or a requirement; \
                 split it into separate rows",
            );
            return;
        }
    }
    for (col, value) in row.levels() {
        if !psa.levels().contains(&value) {
            cx.push(
                p(base, &[Seg::Key(col.key())]),
                format!(
                    "{value:?} is not a {} level; expected one of {}",
                    psa.label(),
                    psa.levels().join(", ")
                ),
            );
        }
    }
    if row.setting.is_some() && row.value.is_none() {
        cx.push(
            p(base, &[Seg::Key("setting")]),
            "a setting row needs `value`: the option the guide says to select",
        );
    }
    if row.checked.is_some() && row.checkbox.is_none() {
        cx.push(
            p(base, &[Seg::Key("checked")]),
            "`checked` belongs to a checkbox row",
        );
    }
    match psa {
        Psa::Connectwise => validate_cw_row(row, base, cx),
        Psa::Autotask => validate_at_row(row, base, cx),
    }
}

fn validate_cw_row(row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    if row.shape() == RowShape::Levels {
        if row.function.is_none() {
            cx.push(
                base.clone(),
                "a ConnectWise row needs `function`: the module function as the guide names it",
            );
        }
        for col in [Column::View, Column::Permission] {
            if row.level(col).is_some() {
                cx.push(
                    p(base, &[Seg::Key(col.key())]),
                    format!(
                        "ConnectWise module functions have Add, Edit, Delete and Inquire levels, not {:?}",
                        col.key()
                    ),
                );
            }
        }
        for col in [Column::Add, Column::Edit, Column::Delete, Column::Inquire] {
            if row.level(col).is_none() {
                cx.push(
                    base.clone(),
                    format!(
                        "a ConnectWise row needs all four levels; `{}` is missing",
                        col.key()
                    ),
                );
            }
        }
        if let Some(v) = &row.verify
            && (v.entity.is_some() || !v.entities.is_empty())
        {
            cx.push(
                p(base, &[Seg::Key("verify")]),
                "ConnectWise rows verify through the member's own security (mySecurity); \
                 `entity` is an Autotask mapping the ConnectWise API cannot observe",
            );
        }
    } else {
        require_verify(row, base, cx, false);
    }
}

fn validate_at_row(row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    if row.function.is_some() {
        cx.push(
            p(base, &[Seg::Key("function")]),
            "`function` is a ConnectWise column; an Autotask row names its `object`",
        );
    }
    if row.inquire.is_some() {
        cx.push(
            p(base, &[Seg::Key("inquire")]),
            "Autotask tables have no Inquire column (use view/add/edit/delete)",
        );
    }
    require_verify(row, base, cx, true);
}

/// Rows that the PSA does not verify implicitly must say how they are verified.
fn require_verify(row: &PermissionRow, base: &Path, cx: &mut Ctx, entity_allowed: bool) {
    let Some(v) = &row.verify else {
        cx.push(
            base.clone(),
            if entity_allowed {
                "this row needs `verify`: an entity mapping (`verify = { entity = \"Tickets\", query = \"All\" }`) \
                 or `verify = { manual = \"why the API cannot observe it\" }`"
            } else {
                "this row needs `verify = { manual = \"why the API cannot observe it\" }`"
            },
        );
        return;
    };
    let vbase = p(base, &[Seg::Key("verify")]);
    if let Some(o) = v.observe {
        if v.manual.is_some() || !v.all_entities().is_empty() || !v.expectations().is_empty() {
            cx.push(
                vbase.clone(),
                "`verify` is one of `observe`, `manual` or an entity mapping",
            );
        }
        if (o.psa() == Psa::Autotask) != entity_allowed || o.is_write() {
            cx.push(
                p(&vbase, &[Seg::Key("observe")]),
                format!("{o:?} cannot verify a row of this wizard's PSA (or it writes)"),
            );
        }
        return;
    }
    let entities = v.all_entities();
    match (&v.manual, entities.is_empty()) {
        (Some(reason), true) => {
            if reason.trim().is_empty() {
                cx.push(
                    p(&vbase, &[Seg::Key("manual")]),
                    "say why the API cannot observe this row, so the admin knows why it is a manual check",
                );
            }
            if !v.expectations().is_empty() {
                cx.push(
                    vbase,
                    "a manual row has no query/create/update/delete expectations",
                );
            }
        }
        (Some(_), false) => cx.push(
            vbase,
            "`verify` is either `manual` or an entity mapping, not both",
        ),
        (None, true) => cx.push(
            vbase,
            "`verify` needs `entity` (or `entities`) with expectations, or `manual`",
        ),
        (None, false) => {
            if !entity_allowed {
                cx.push(
                    vbase.clone(),
                    "this PSA cannot observe entity access; use `manual`",
                );
            }
            if v.expectations().is_empty() {
                cx.push(
                    vbase.clone(),
                    "an entity mapping needs at least one of query/create/update/delete = \"All\" | \"Any\" | \"None\"",
                );
            }
            if let Some(e) = &v.entity
                && !is_autotask_entity(e)
            {
                cx.push(p(&vbase, &[Seg::Key("entity")]), unobservable_entity(e));
            }
            for (i, e) in v.entities.iter().enumerate() {
                if !is_autotask_entity(e) {
                    cx.push(
                        p(&vbase, &[Seg::Key("entities"), Seg::Idx(i)]),
                        unobservable_entity(e),
                    );
                }
            }
        }
    }
}

fn unobservable_entity(e: &str) -> String {
    format!(
        "the Autotask API cannot observe {e:?}: it is not an entity with entityInformation \
         (security levels, for one, are not readable); use an entity such as \"Tickets\" or `manual`"
    )
}

fn validate_check(psa: Psa, check: &Check, base: &Path, cx: &mut Ctx) {
    match (&check.observe, &check.manual) {
        (Some(_), Some(_)) => cx.push(
            base.clone(),
            "a check either observes something (`observe`) or is confirmed by the admin (`manual`), not both",
        ),
        (None, None) => cx.push(
            base.clone(),
            "a check needs `observe` (what the API reads) or `manual` (why it cannot)",
        ),
        (Some(o), None) => {
            if o.psa() != psa {
                cx.push(
                    p(base, &[Seg::Key("observe")]),
                    format!(
                        "{o:?} is observed through the {} API, but this wizard is for {}",
                        o.psa().label(),
                        psa.label()
                    ),
                );
            }
            if o.is_write() != check.write {
                cx.push(
                    p(base, &[Seg::Key("observe")]),
                    if o.is_write() {
                        "this observation writes to the PSA: mark the check `write = true` so it only runs when the admin opts in"
                    } else {
                        "`write = true` is only for observations that write to the PSA"
                    },
                );
            }
        }
        (None, Some(reason)) => {
            if reason.trim().is_empty() {
                cx.push(
                    p(base, &[Seg::Key("manual")]),
                    "say why the API cannot observe this, so the admin knows why it is a manual check",
                );
            }
        }
    }
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A GUID as 8-4-4-4-12 hex digits, optionally in braces (as Windows tools show them).
pub fn is_guid(s: &str) -> bool {
    let s = s.trim_start_matches('{').trim_end_matches('}');
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}
