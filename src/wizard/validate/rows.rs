//! Permission rows: the shapes a row may take, and how each PSA's permission model says its
//! rows are verified.

use super::*;
use crate::profile::PermissionModel;

pub(super) fn validate_row(psa: Psa, row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    let shapes = row.shapes();
    match shapes.len() {
        0 => {
            cx.push(
                base.clone(),
                "a permission row needs level columns (view/add/edit/delete/inquire/permission), \
                 a `checkbox`, a `setting` with `value`, `required`, or (ConnectWise) `customize`",
            );
            return;
        }
        1 => {}
        _ => {
            cx.push(
                base.clone(),
                "a permission row is one thing: level columns, a checkbox, a setting, a requirement \
                 or a Customize allow-list; split it into separate rows",
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
    match psa.profile().permissions {
        PermissionModel::ModuleFunctions => validate_cw_row(row, base, cx),
        PermissionModel::EntityGrids => validate_at_row(row, base, cx),
    }
}

fn validate_cw_row(row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    let renamed = row
        .verify
        .as_ref()
        .is_some_and(|v| v.module.is_some() || v.function.is_some());
    if renamed && row.shape() != RowShape::Levels {
        cx.push(
            p(base, &[Seg::Key("verify")]),
            "`verify.module` and `verify.function` name the ConnectWise function a level row is \
             checked against; this row has no levels",
        );
    }
    if row.shape() == RowShape::Customize {
        if row.function.is_none() {
            cx.push(
                p(base, &[Seg::Key("customize")]),
                "a Customize row needs `function`: the module function whose Customize link the \
                 guide opens (\"Table Setup\")",
            );
        }
        if row.customize.iter().any(|c| c.trim().is_empty()) {
            cx.push(
                p(base, &[Seg::Key("customize")]),
                "a Customize entry is empty: write each entry as the guide names it",
            );
        }
    }
    if row.shape() == RowShape::Levels {
        validate_cw_level_verify(row, base, cx);
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
        // A column the guide does not give (a blank cell, a table without that column, a
        // matrix naming only the levels to set) is left out, and the row says how it was read.
        if row.note().is_none() {
            for col in [Column::Add, Column::Edit, Column::Delete, Column::Inquire] {
                if row.level(col).is_none() {
                    cx.push(
                        base.clone(),
                        format!(
                            "a ConnectWise row needs all four levels; `{}` is missing. If the guide's \
                             table leaves it blank or has no such column, leave it out and say how you \
                             read the row in `verify = {{ note = \"…\" }}`",
                            col.key()
                        ),
                    );
                }
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

/// A ConnectWise level row's `verify`: its note (the reading taken) and the PSA's names for a
/// function the guide spells differently.
fn validate_cw_level_verify(row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    let Some(v) = &row.verify else {
        return;
    };
    let vbase = p(base, &[Seg::Key("verify")]);
    if v.note.as_deref().is_some_and(|n| n.trim().is_empty()) {
        cx.push(
            p(&vbase, &[Seg::Key("note")]),
            "a note says how the row was read or what its check cannot tell; leave it out when there is nothing to say",
        );
    }
    if v.manual.is_some() && v.note.is_some() {
        cx.push(
            p(&vbase, &[Seg::Key("note")]),
            "a manual row's reason is its note: put it in `manual`",
        );
    }
    for (key, value) in [("module", &v.module), ("function", &v.function)] {
        let Some(value) = value else { continue };
        if value.trim().is_empty() {
            cx.push(
                p(&vbase, &[Seg::Key(key)]),
                format!("`verify.{key}` is empty: name the ConnectWise {key}, or leave it out"),
            );
        } else if row.note().is_none() {
            cx.push(
                p(&vbase, &[Seg::Key(key)]),
                format!(
                    "`verify.{key}` checks the row against a name the guide does not write: say so in \
                     `verify.note` (\"The page writes … ; ConnectWise names it …\")"
                ),
            );
        }
    }
}

fn validate_at_row(row: &PermissionRow, base: &Path, cx: &mut Ctx) {
    if !row.customize.is_empty() {
        cx.push(
            p(base, &[Seg::Key("customize")]),
            "`customize` is a ConnectWise function's allow-list; Autotask has none",
        );
    }
    if let Some(v) = &row.verify
        && (v.module.is_some() || v.function.is_some())
    {
        cx.push(
            p(base, &[Seg::Key("verify")]),
            "`verify.module` and `verify.function` are ConnectWise names; an Autotask row verifies through `entity`",
        );
    }
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
    if let Some(note) = &v.note {
        if note.trim().is_empty() {
            cx.push(
                p(&vbase, &[Seg::Key("note")]),
                "a note says what the check cannot tell; leave it out when there is nothing to say",
            );
        }
        if v.manual.is_some() {
            cx.push(
                p(&vbase, &[Seg::Key("note")]),
                "a manual row's reason is its note: put it in `manual`",
            );
        }
    }
    if let Some(o) = v.observe {
        if v.manual.is_some() || !v.all_entities().is_empty() || !v.expectations().is_empty() {
            cx.push(
                vbase.clone(),
                "`verify` is one of `observe`, `manual` or an entity mapping",
            );
        }
        let entity_model = o.psa().profile().permissions == PermissionModel::EntityGrids;
        if entity_model != entity_allowed || o.is_write() {
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
            // An operation the entity never allows: Autotask reports no access to it whatever
            // the level says, so "None" could never fail and "All"/"Any" never pass.
            for e in entities.iter().filter(|e| is_autotask_entity(e)) {
                for (op, want) in v.expectations() {
                    if !autotask_allows(e, op) {
                        cx.push(
                            p(&vbase, &[Seg::Key(op.label())]),
                            format!(
                                "Autotask's REST API has no {} for {e:?}, so {want:?} here could never {}; \
                                 leave it out and say so in `note`",
                                op.label(),
                                if want == Access::None { "fail" } else { "pass" }
                            ),
                        );
                    }
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
