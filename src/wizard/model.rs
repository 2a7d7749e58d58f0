//! The wizard definition model: what a vendor's guide says the admin must do, as data.
//!
//! A wizard file is one integration on one PSA. Steps carry the guide's own words (titles,
//! instructions, permission tables, comments) and, where the PSA's API can observe the result,
//! how to verify it. Anything the API cannot observe is an explicit `manual` check with a reason.

use serde::{Deserialize, Serialize};

pub use super::observe::Observe;
pub use crate::profile::Psa;

/// One wizard: an integration × a PSA, written from the vendor's guide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wizard {
    /// Stable id, e.g. `topleft-connectwise`.
    pub id: String,
    pub psa: Psa,
    /// The integration vendor, e.g. `TopLeft`.
    pub vendor: String,
    pub title: String,
    /// The guide's introduction: why the vendor needs access.
    #[serde(default)]
    pub summary: String,
    /// Where the wizard's content comes from (guide titles or URLs).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Vendor-supplied connection values.
    #[serde(default)]
    pub integration: Integration,
    pub steps: Vec<Step>,
    /// The guide's troubleshooting advice, shown when a step fails.
    #[serde(default)]
    pub troubleshooting: Vec<String>,
}

/// Values the vendor supplies. Absent values are asked of the admin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Autotask API tracking identifier issued to the vendor.
    pub tracking_identifier: Option<String>,
    /// ConnectWise clientId (a GUID from the ConnectWise developer portal).
    pub client_id: Option<String>,
    /// Where the admin gets the tracking identifier, in the guide's words, when the guide says
    /// (absent: from the vendor; see [`Wizard::tracking_identifier_source`]).
    pub tracking_identifier_source: Option<String>,
    /// Where the admin gets the clientId, when the guide says (absent: from the vendor).
    pub client_id_source: Option<String>,
}

impl Integration {
    /// The vendor's code of a kind, when the wizard gives it (else the admin types it).
    pub fn code(&self, kind: crate::profile::VendorCode) -> Option<&str> {
        match kind {
            crate::profile::VendorCode::TrackingIdentifier => self.tracking_identifier.as_deref(),
            crate::profile::VendorCode::ClientId => self.client_id.as_deref(),
        }
    }
}

/// The kinds of step a guide contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Autotask: a dedicated security level with the vendor's permissions.
    SecurityLevel,
    /// ConnectWise: a dedicated security role with the vendor's module-function levels.
    SecurityRole,
    /// Autotask: the API-only resource the integration signs in as.
    ApiUser,
    /// ConnectWise: the API member the integration signs in as.
    ApiMember,
    /// Autotask: the API tracking identifier (Integration Vendor) on the API user.
    TrackingIdentifier,
    /// ConnectWise: the clientId the integration sends.
    ClientId,
    /// ConnectWise: public/private API keys for the member; Autotask: username and secret.
    ApiKeys,
    /// Autotask resource impersonation.
    Impersonation,
    /// Autotask webhooks.
    Webhooks,
    /// ConnectWise callbacks.
    Callbacks,
    /// Handing the credentials to the vendor.
    CredentialSubmission,
    /// Something only a person can do or confirm.
    Manual,
}

impl StepKind {
    pub fn label(self) -> &'static str {
        match self {
            StepKind::SecurityLevel => "security level",
            StepKind::SecurityRole => "security role",
            StepKind::ApiUser => "API user",
            StepKind::ApiMember => "API member",
            StepKind::TrackingIdentifier => "tracking identifier",
            StepKind::ClientId => "clientId",
            StepKind::ApiKeys => "API keys",
            StepKind::Impersonation => "impersonation",
            StepKind::Webhooks => "webhooks",
            StepKind::Callbacks => "callbacks",
            StepKind::CredentialSubmission => "credential submission",
            StepKind::Manual => "manual",
        }
    }

    /// Which PSAs a step kind belongs to (`None` = both).
    pub fn psa(self) -> Option<Psa> {
        match self {
            StepKind::SecurityLevel
            | StepKind::ApiUser
            | StepKind::TrackingIdentifier
            | StepKind::Impersonation
            | StepKind::Webhooks => Some(Psa::Autotask),
            StepKind::SecurityRole
            | StepKind::ApiMember
            | StepKind::ClientId
            | StepKind::Callbacks => Some(Psa::Connectwise),
            StepKind::ApiKeys | StepKind::CredentialSubmission | StepKind::Manual => None,
        }
    }
}

/// One step of the guide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    /// The guide's reason for this step.
    #[serde(default)]
    pub why: String,
    /// The admin's clicks, in order, with the UI path as the guide gives it.
    #[serde(default)]
    pub instructions: Vec<String>,
    /// Where the instructions happen ("Slack", "the Tasky Console", "TopLeft's setup portal"),
    /// when not in the PSA itself. TOML key `where`; see [`Step::place`].
    #[serde(rename = "where")]
    pub place: Option<String>,
    /// Notes the guide adds after the clicks (e.g. "API members can only access ... via the API").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The guide marks this step as conditional ("If you plan to use webhooks ...").
    #[serde(default)]
    pub optional: bool,
    /// When `optional`, the guide's condition in its own words.
    pub condition: Option<String>,

    // --- kind-specific values (validated per kind) ---
    /// security_level / security_role: the name the guide asks for ("TopLeft").
    pub name: Option<String>,
    /// security_level: the system level the guide says to copy ("API User (system)").
    pub copy_from: Option<String>,
    /// api_user / api_member: the security level or role the account must have. An api_user
    /// step may leave it out when the guide's security level has no name (the level "created in
    /// the previous step").
    pub security_level: Option<String>,
    /// api_user: the guide has the API user keep Autotask's built-in level (`security_level`
    /// names it, "API User (system)") as it is, instead of a dedicated copy.
    #[serde(default)]
    pub system_level: bool,
    /// api_member: the member settings the guide lists.
    pub member: Option<MemberSpec>,
    /// api_user: the username the guide suggests (prefix before the Autotask domain).
    pub username_hint: Option<String>,
    /// api_user / tracking_identifier: the Integration Vendor label to select.
    pub integration_vendor: Option<String>,
    /// credential_submission: where and what to hand to the vendor.
    pub portal: Option<Portal>,
    /// impersonation: what each license can and cannot do when impersonated.
    #[serde(default)]
    pub license_limits: Vec<LicenseLimit>,

    /// The guide's permission table(s) for this step, row by row.
    #[serde(default)]
    pub permissions: Vec<PermissionRow>,
    /// The step's checks beyond its permission rows.
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// ConnectWise API member settings from the guide's member form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// Member ID ("TopLeft").
    pub identifier: Option<String>,
    /// Member Name ("TopLeft API").
    pub name: Option<String>,
    /// Email, as the guide shows it (a placeholder domain).
    pub email: Option<String>,
    /// Role ID (the security role's name).
    pub role: Option<String>,
    /// Level ("Corporate (Level 1)").
    pub level: Option<String>,
    /// Name / location ("Corporate").
    pub location: Option<String>,
}

/// A license (as Autotask names it) and its impersonation limits, from the guide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseLimit {
    /// Licenses this entry covers, in the guide's words ("Team Member").
    pub licenses: Vec<String>,
    pub impersonation: ImpersonationSupport,
    /// What resources with such a level cannot do, in the guide's words.
    #[serde(default)]
    pub cannot: Vec<String>,
    /// The guide's sentence about them.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImpersonationSupport {
    Full,
    Partial,
    None,
}

/// Where the admin hands the credentials to the vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portal {
    /// The portal's address, when the guide gives one.
    pub url: Option<String>,
    /// The guide's name for the page ("Autotask Integration Setup page").
    pub page: Option<String>,
    /// What the portal asks for. Each is a connection value the wizard collected.
    #[serde(default)]
    pub fields: Vec<PortalField>,
    /// An HTTPS endpoint that accepts the credentials as JSON (optional).
    pub submit_endpoint: Option<String>,
}

/// Connection values a portal can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalField {
    // Autotask
    Username,
    Secret,
    TrackingIdentifier,
    // ConnectWise
    Site,
    CompanyId,
    PublicKey,
    PrivateKey,
    ClientId,
}

impl PortalField {
    pub fn label(self) -> &'static str {
        match self {
            PortalField::Username => "API username",
            PortalField::Secret => "API secret",
            PortalField::TrackingIdentifier => "API tracking identifier",
            PortalField::Site => "ConnectWise site",
            PortalField::CompanyId => "Company ID",
            PortalField::PublicKey => "Public key",
            PortalField::PrivateKey => "Private key",
            PortalField::ClientId => "clientId",
        }
    }

    pub fn is_secret(self) -> bool {
        matches!(self, PortalField::Secret | PortalField::PrivateKey)
    }

    /// The connection field this portal value is typed into.
    pub fn field(self) -> crate::profile::FieldId {
        use crate::profile::FieldId;
        match self {
            PortalField::Username => FieldId::Username,
            PortalField::Secret => FieldId::Secret,
            PortalField::TrackingIdentifier => FieldId::TrackingId,
            PortalField::Site => FieldId::Site,
            PortalField::CompanyId => FieldId::CompanyId,
            PortalField::PublicKey => FieldId::PublicKey,
            PortalField::PrivateKey => FieldId::PrivateKey,
            PortalField::ClientId => FieldId::ClientId,
        }
    }

    pub fn psa(self) -> Psa {
        self.field().psa()
    }
}

/// One row of a vendor's permission table.
///
/// A row is exactly one of: a level row (module/object with level columns), a checkbox row,
/// a dropdown setting, or a requirement row (a category with the permissions it needs, as in
/// guides that summarise rather than tabulate).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionRow {
    /// The module (or section path) as the guide names it.
    pub module: String,
    /// Autotask: the row's "Description"/"Object" column.
    pub object: Option<String>,
    /// ConnectWise: the module function.
    pub function: Option<String>,
    /// A requirement row's category ("Companies & Contacts").
    pub category: Option<String>,
    /// A requirement row's count of endpoints the vendor calls.
    pub endpoints: Option<u32>,

    // Level columns. Autotask tables use view/add/edit/delete or a single "permission";
    // ConnectWise tables use add/edit/delete/inquire. A blank cell is an absent value.
    pub view: Option<String>,
    pub add: Option<String>,
    pub edit: Option<String>,
    pub delete: Option<String>,
    pub inquire: Option<String>,
    pub permission: Option<String>,

    /// Checkbox row: the checkbox's label.
    pub checkbox: Option<String>,
    /// Checkbox row: whether the guide says to check (default) or uncheck it.
    pub checked: Option<bool>,
    /// Dropdown row: the setting's label and the value to choose.
    pub setting: Option<String>,
    pub value: Option<String>,
    /// Requirement row: the permissions the guide lists.
    #[serde(default)]
    pub required: Vec<String>,
    /// ConnectWise Customize row: the entries the guide puts in the function's "Customize"
    /// allow-list ("Allow access to these"), e.g. Table Setup: "Service / Service Board".
    #[serde(default)]
    pub customize: Vec<String>,

    /// The vendor's comment for this row.
    #[serde(default)]
    pub comment: String,
    /// How the row is verified; see [`RowVerify`]. ConnectWise level rows verify through the
    /// member's effective security and need nothing here.
    pub verify: Option<RowVerify>,
}

/// The shape of a permission row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowShape {
    Levels,
    Checkbox,
    Setting,
    Requirement,
    /// A ConnectWise function's Customize allow-list.
    Customize,
}

/// A level column of a permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Column {
    View,
    Add,
    Edit,
    Delete,
    Inquire,
    Permission,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::View,
        Column::Add,
        Column::Edit,
        Column::Delete,
        Column::Inquire,
        Column::Permission,
    ];

    pub fn label(self, psa: Psa) -> &'static str {
        let words = psa.profile().columns;
        match self {
            Column::View => "View",
            Column::Add => words.add,
            Column::Edit => words.edit,
            Column::Delete => words.delete,
            Column::Inquire => "Inquire Level",
            Column::Permission => "Permission",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Column::View => "view",
            Column::Add => "add",
            Column::Edit => "edit",
            Column::Delete => "delete",
            Column::Inquire => "inquire",
            Column::Permission => "permission",
        }
    }
}

impl PermissionRow {
    /// The value of a level column, if the guide gives one.
    pub fn level(&self, column: Column) -> Option<&str> {
        match column {
            Column::View => self.view.as_deref(),
            Column::Add => self.add.as_deref(),
            Column::Edit => self.edit.as_deref(),
            Column::Delete => self.delete.as_deref(),
            Column::Inquire => self.inquire.as_deref(),
            Column::Permission => self.permission.as_deref(),
        }
    }

    /// Level columns with values, in table order.
    pub fn levels(&self) -> impl Iterator<Item = (Column, &str)> {
        Column::ALL
            .into_iter()
            .filter_map(|c| self.level(c).map(|v| (c, v)))
    }

    pub fn has_levels(&self) -> bool {
        self.levels().next().is_some()
    }

    /// The shapes this row's fields describe (a valid row has exactly one).
    pub fn shapes(&self) -> Vec<RowShape> {
        let mut shapes = Vec::new();
        if self.has_levels() {
            shapes.push(RowShape::Levels);
        }
        if self.checkbox.is_some() {
            shapes.push(RowShape::Checkbox);
        }
        if self.setting.is_some() {
            shapes.push(RowShape::Setting);
        }
        if !self.required.is_empty() {
            shapes.push(RowShape::Requirement);
        }
        if !self.customize.is_empty() {
            shapes.push(RowShape::Customize);
        }
        shapes
    }

    pub fn shape(&self) -> RowShape {
        self.shapes().first().copied().unwrap_or(RowShape::Levels)
    }

    /// What the row is about: the object/function/checkbox/setting/category name.
    pub fn subject(&self) -> &str {
        self.function
            .as_deref()
            .or(self.object.as_deref())
            .or(self.checkbox.as_deref())
            .or(self.setting.as_deref())
            .or(self.category.as_deref())
            .unwrap_or("")
    }

    /// A one-line label: `Module › Subject`.
    pub fn label(&self) -> String {
        let subject = self.subject();
        if subject.is_empty() {
            self.module.clone()
        } else {
            format!("{} › {}", self.module, subject)
        }
    }

    pub fn is_checked(&self) -> bool {
        self.checked.unwrap_or(true)
    }

    /// The manual reason, if this row can only be confirmed by a person.
    pub fn manual_reason(&self) -> Option<&str> {
        self.verify.as_ref().and_then(|v| v.manual.as_deref())
    }

    /// The reading the wizard took of the guide's row, or what its check cannot tell
    /// (`verify.note`), shown with the row.
    pub fn note(&self) -> Option<&str> {
        self.verify
            .as_ref()
            .and_then(|v| v.note.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// ConnectWise: the module as ConnectWise names it: `verify.module` when the guide spells it
    /// differently ("Time and Expense"), else the guide's own.
    pub fn psa_module(&self) -> &str {
        self.verify
            .as_ref()
            .and_then(|v| v.module.as_deref())
            .unwrap_or(&self.module)
    }

    /// ConnectWise: the function as ConnectWise names it: `verify.function` when the guide spells
    /// it differently ("Close Service Ticket"), else the guide's own.
    pub fn psa_function(&self) -> Option<&str> {
        self.verify
            .as_ref()
            .and_then(|v| v.function.as_deref())
            .or(self.function.as_deref())
    }
}

/// How a permission row is verified.
///
/// Either `manual` (with the reason the API cannot observe it), or one or more Autotask
/// entities whose `userAccessFor*` the calling API user must have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowVerify {
    /// The row cannot be observed through the API; the admin confirms it. Says why.
    pub manual: Option<String>,
    /// The row is proven by a step-level observation (one whose answer decides exactly this
    /// row; no built-in wizard uses it now: a REST sign-in does not prove "Can login to Web
    /// Services API", which Autotask documents as applying to API versions 1.5 and earlier).
    pub observe: Option<Observe>,
    /// One Autotask entity (REST name, e.g. `Tickets`).
    pub entity: Option<String>,
    /// Several Autotask entities with the same expectations.
    #[serde(default)]
    pub entities: Vec<String>,
    pub query: Option<Access>,
    pub create: Option<Access>,
    pub update: Option<Access>,
    pub delete: Option<Access>,
    /// Shown with the row (in `show`, and with its result): the reading taken of an ambiguous
    /// table row (shifted or blank cells, a column the guide does not give), or what this
    /// verification cannot tell apart or leaves out (rows sharing one entity check, a column the
    /// API has no operation for).
    pub note: Option<String>,
    /// ConnectWise: the module ConnectWise lists the row's function under, when the guide spells
    /// it differently ("Time and Expense" for "Time & Expense"). Needs `note`.
    pub module: Option<String>,
    /// ConnectWise: the function as ConnectWise names it, when the guide spells it differently
    /// ("Close Service Ticket" for "Close Service Tickets"). Needs `note`.
    pub function: Option<String>,
}

impl RowVerify {
    /// All entities named, `entity` first.
    pub fn all_entities(&self) -> Vec<&str> {
        self.entity
            .iter()
            .map(String::as_str)
            .chain(self.entities.iter().map(String::as_str))
            .collect()
    }

    /// The operation expectations given, in a fixed order.
    pub fn expectations(&self) -> Vec<(Op, Access)> {
        [
            (Op::Query, self.query),
            (Op::Create, self.create),
            (Op::Update, self.update),
            (Op::Delete, self.delete),
        ]
        .into_iter()
        .filter_map(|(op, a)| a.map(|a| (op, a)))
        .collect()
    }
}

/// An entity operation as Autotask reports access to it (`userAccessFor*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Query,
    Create,
    Update,
    Delete,
}

impl Op {
    pub fn label(self) -> &'static str {
        match self {
            Op::Query => "query",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Expected access to an entity operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    /// Must be `All`: `Restricted` fails (Autotask then silently returns only part of the data).
    All,
    /// Must not be `None`; `Restricted` warns (the guide sets no scope, but part of the data is
    /// hidden).
    Any,
    /// Must be `Restricted`: the guide's level is `Mine` (Autotask reports every "Mine" scope as
    /// Restricted). `None` fails; `All` is more than the guide grants (warn).
    Restricted,
    /// Must be `None`; anything else is excess privilege (warn).
    None,
}

/// A step-level check beyond the permission rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub title: String,
    /// What the PSA's API observes to decide this check.
    pub observe: Option<Observe>,
    /// The check cannot be observed through the API; the admin confirms it. Says why.
    pub manual: Option<String>,
    /// A mismatch warns rather than fails (the guide's value is a recommendation).
    #[serde(default)]
    pub warn_only: bool,
    /// This check writes to the PSA; it runs only when the admin opts in.
    #[serde(default)]
    pub write: bool,
    /// What to click to fix it, in the guide's words (falls back to the step's instructions).
    pub remedy: Option<String>,
    /// Whose requirement this is when it is not the guide's own (the PSA's, with its source, or
    /// psa-onboard's advice). Shown with the check so nobody mistakes it for the vendor's words.
    #[serde(default)]
    pub basis: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Step {
    /// Where the step's instructions happen: the wizard's `where`, or else the PSA.
    pub fn place(&self, psa: Psa) -> &str {
        self.place
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(psa.label())
    }
}

impl Wizard {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The first step of a kind.
    pub fn step_of(&self, kind: StepKind) -> Option<&Step> {
        self.steps.iter().find(|s| s.kind == kind)
    }

    /// The API user step's "use Autotask's built-in level as it is" (see [`Step::system_level`]).
    pub fn uses_system_level(&self) -> bool {
        self.step_of(StepKind::ApiUser)
            .is_some_and(|s| s.system_level)
    }

    /// The name of the security level (Autotask) or role (ConnectWise) the guide asks for.
    pub fn level_name(&self) -> Option<&str> {
        self.step_of(StepKind::SecurityLevel)
            .or_else(|| self.step_of(StepKind::SecurityRole))
            .and_then(|s| s.name.as_deref())
    }

    /// Every permission row across steps, with its step.
    pub fn rows(&self) -> impl Iterator<Item = (&Step, &PermissionRow)> {
        self.steps
            .iter()
            .flat_map(|s| s.permissions.iter().map(move |r| (s, r)))
    }

    /// Where the admin gets the Autotask tracking identifier: the wizard's value, the guide's
    /// own words, or else the vendor (Datto issues a vendor's identifier to the vendor alone).
    pub fn tracking_identifier_source(&self) -> String {
        if self.integration.tracking_identifier.is_some() {
            return format!("{}'s guide gives it; psa-onboard fills it in.", self.vendor);
        }
        if let Some(s) = non_empty(&self.integration.tracking_identifier_source) {
            return s.to_string();
        }
        let label = self
            .steps
            .iter()
            .find_map(|s| s.integration_vendor.as_deref())
            .map(|v| {
                format!(" (the guide has you select \"{v}\" as the API user's Integration Vendor)")
            })
            .unwrap_or_default();
        format!(
            "{v}'s own identifier{label}. Datto issues a vendor's tracking identifier to the vendor alone and the guide does not print it: ask {v} for it.",
            v = self.vendor
        )
    }

    /// Where the admin gets the ConnectWise clientId: the wizard's value, the guide's own words,
    /// or else the vendor (who registered it at developer.connectwise.com).
    pub fn client_id_source(&self) -> String {
        if self.integration.client_id.is_some() {
            return format!("{}'s guide gives it; psa-onboard fills it in.", self.vendor);
        }
        if let Some(s) = non_empty(&self.integration.client_id_source) {
            return s.to_string();
        }
        format!(
            "{v}'s own clientId: the GUID {v} registered for its integration at developer.connectwise.com. The guide does not print it: ask {v} for it.",
            v = self.vendor
        )
    }

    /// Whether every word of `query` appears (ignoring case) in the wizard's id, vendor, title
    /// or PSA: "n-able central" finds N-able N-central. An empty query matches every wizard.
    pub fn matches(&self, query: &str) -> bool {
        let hay = format!(
            "{} {} {} {} {}",
            self.id,
            self.vendor,
            self.title,
            self.psa.short(),
            self.psa.label()
        )
        .to_lowercase();
        query
            .split_whitespace()
            .all(|word| hay.contains(&word.to_lowercase()))
    }

    /// The portal fields, from the credential submission step.
    pub fn portal(&self) -> Option<&Portal> {
        self.step_of(StepKind::CredentialSubmission)
            .and_then(|s| s.portal.as_ref())
    }
}
