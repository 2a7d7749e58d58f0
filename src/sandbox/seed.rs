//! The `unconfigured` starting tenant: what a fresh MSP database looks like before any vendor
//! guide was followed. Demo values here are public, fixed and safe to print.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use secrecy::SecretString;
use serde_json::json;

use super::tenant::*;

/// ConnectWise login company of the sandbox.
pub const CW_COMPANY_ID: &str = "sandbox";
/// The clientId the sandbox has registered (a public demo value).
pub const CW_CLIENT_ID: &str = "5a3b7c1d-0e2f-4a6b-8c9d-1e2f3a4b5c6d";
/// Keys the API member gets when its keys step is applied (public demo values).
pub const CW_PUBLIC_KEY: &str = "sbxPublicKey0001";
pub const CW_PRIVATE_KEY: &str = "sbxPrivateKey0001";
/// An administrator's My-Account keys (exist from the start; for admin-only probes).
pub const CW_ADMIN_PUBLIC_KEY: &str = "sbxAdminPublic01";
pub const CW_ADMIN_PRIVATE_KEY: &str = "sbxAdminPrivate01";

/// The sandbox's first ticket, by the number Autotask shows (the demo offers it for the
/// impersonation write test's note; its ID is 1).
pub const DEMO_TICKET_NUMBER: &str = "T20250101.0001";

/// System security levels an Autotask database ships with (names per autotask-api.md §2.7).
const SYSTEM_LEVELS: &[(i64, &str, i32)] = &[
    (24, "API User (system)", LICENSE_API_USER),
    (33, "System Administrator (system)", 1),
    (34, "Executive (system)", 2),
    (35, "Professional (system)", 3),
    (37, "Team Member (system)", 4),
    (38, "Time & Attendance Only (system)", 5),
    (39, "Dashboard User (system)", 6),
    (40, "Contractor (system)", 8),
    (51, "Co-Managed Help Desk (system)", 9),
];

/// Human resources of the demo database: (id, user, first, last, license, level).
const HUMANS: &[(i64, &str, &str, &str, i32, i64)] = &[
    (29682885, "admin", "Ada", "Admin", 1, 33),
    (29682886, "pat.pro", "Pat", "Professional", 3, 35),
    (29682887, "tess.team", "Tess", "Teammember", 4, 37),
    (29682888, "cole.contract", "Cole", "Contractor", 8, 40),
    (29682889, "cody.comanaged", "Cody", "Comanaged", 9, 51),
    (29682890, "tina.time", "Tina", "Timeonly", 5, 38),
];

/// ConnectWise module functions (PSA knowledge: System › Security Roles lists these). Names the
/// built-in wizards use beyond TopLeft's table, with where they are written: "Configuration -
/// Display Passwords" (Hudu's page; N-able N-sight RMM's full module listing), "Security"
/// (System; N-able Passportal's page only: ConnectWise's own name for it is unconfirmed, see
/// docs/FIDELITY.md).
const CW_CATALOGUE: &[(&str, &[&str])] = &[
    (
        "Companies",
        &[
            "Company Maintenance",
            "Company/Contact Group Maintenance",
            "Configuration - Display Passwords",
            "Configurations",
            "Contacts",
            "CRM/Sales Activities",
            "Manage Attachments",
            "Notes",
            "Reports",
            "Team Members",
        ],
    ),
    (
        "Finance",
        &[
            "Accounting Interface",
            "Agreement Sales",
            "Agreements",
            "Billing Reconciliation",
            "Billing View Time",
            "Invoicing",
            "Reports",
        ],
    ),
    (
        "Procurement",
        &[
            "Product Catalog",
            "Purchase Orders",
            "Purchasing",
            "Reports",
        ],
    ),
    (
        "Project",
        &[
            "Close Project Tickets",
            "Project Headers",
            "Project Notes",
            "Project Phase",
            "Project Scheduling",
            "Project Teams",
            "Project Ticket Tasks",
            "Project Tickets",
            "Reports",
        ],
    ),
    (
        "Sales",
        &[
            "Closed Opportunity",
            "Opportunity",
            "Quotes",
            "Sales Orders",
            "Reports",
        ],
    ),
    (
        "Service Desk",
        &[
            "Close Service Tickets",
            "Knowledge Base",
            "Merge Tickets",
            "Resource Scheduling",
            "Service Ticket - Dependencies",
            "Service Tickets",
            "Service Tickets - Finance",
            "Reports",
        ],
    ),
    (
        "System",
        &[
            "API Reports",
            "Mass Maintenance",
            "Member Maintenance",
            "My Company",
            "Reports",
            "Security",
            "Security Roles",
            "Setup Tables",
            "Table Setup",
        ],
    ),
    (
        "Time & Expense",
        &[
            "Expense Entry",
            "Time Entry",
            "Time Entry Billable Option",
            "Time Sheet Approval",
            "Reports",
        ],
    ),
];

/// A fresh database with no vendor configuration.
pub fn unconfigured() -> Tenant {
    Tenant {
        autotask: autotask(),
        connectwise: connectwise(),
    }
}

fn autotask() -> AutotaskTenant {
    let mut levels: Vec<SecurityLevel> = SYSTEM_LEVELS
        .iter()
        .map(|(id, name, license)| {
            let mut l = SecurityLevel::new(*id, name, *license, true);
            l.default_access = match license {
                1 | 2 | 7 => EntityAccess::ALL,
                5 | 6 => EntityAccess {
                    query: AccessLevel::Restricted,
                    ..EntityAccess::NONE
                },
                _ => EntityAccess {
                    query: AccessLevel::All,
                    create: AccessLevel::All,
                    update: AccessLevel::Restricted,
                    delete: AccessLevel::None,
                },
            };
            l
        })
        .collect();
    // The system API level may log in; human levels may not until an admin allows it.
    for l in &mut levels {
        l.web_services_login = l.license == LICENSE_API_USER;
    }
    let resources = HUMANS
        .iter()
        .map(|(id, user, first, last, license, level)| Resource {
            id: *id,
            user_name: format!("{user}@{DEMO_DOMAIN}"),
            email: format!("{user}@{DEMO_DOMAIN}"),
            first_name: first.to_string(),
            last_name: last.to_string(),
            is_active: true,
            license_type: *license,
            user_type: *level,
            secret: SecretString::from(DEMO_SECRET),
            tracking_code: None,
            locked: false,
            failed_attempts: 0,
        })
        .collect();
    let mut items = BTreeMap::new();
    // Each entity's items carry only fields of its swagger model (`id` + its name field).
    for (entity, field, prefix, n) in [
        ("tickets", "title", "Ticket", 7),
        ("companies", "companyName", "Company", 5),
        ("contacts", "lastName", "Contact", 5),
        ("contracts", "contractName", "Contract", 3),
        ("opportunities", "title", "Opportunity", 3),
        ("projects", "projectName", "Project", 3),
        ("tasks", "title", "Task", 3),
        ("timeentries", "summaryNotes", "Time entry", 4),
        ("servicecalls", "description", "Service call", 2),
        ("userdefinedfielddefinitions", "name", "UDF", 2),
    ] {
        let list = (1..=n)
            .map(|i| {
                let mut item = json!({"id": i, field: format!("{prefix} {i}")});
                // Tickets also carry the number Autotask shows (`ticketNumber`, in the model).
                if entity == "tickets" {
                    item["ticketNumber"] = json!(format!("T20250101.{i:04}"));
                }
                item
            })
            .collect();
        items.insert(entity.to_string(), list);
    }
    AutotaskTenant {
        zone_name: "Sandbox Zone (loopback)".into(),
        ci: 424242,
        levels,
        resources,
        webhooks: Vec::new(),
        items,
        tracking_codes: BTreeMap::new(),
        lockout_threshold: DEFAULT_LOCKOUT_THRESHOLD,
        legacy_auth_errors: false,
        thread_limit_status: 429,
        threshold_base: 120,
        external_request_threshold: 10_000,
        request_times: VecDeque::new(),
        pages: BTreeMap::new(),
        next_id: 30_000_000,
    }
}

fn connectwise() -> ConnectwiseTenant {
    let catalogue: Vec<(String, String)> = CW_CATALOGUE
        .iter()
        .flat_map(|(m, fs)| fs.iter().map(move |f| (m.to_string(), f.to_string())))
        .collect();
    let technician = SecurityRole {
        id: 2,
        name: "Technician".into(),
        role_type: "Standard".into(),
        admin_flag: false,
        inactive_flag: false,
        settings: catalogue
            .iter()
            .filter(|(m, _)| m == "Service Desk" || m == "Time & Expense")
            .map(|k| {
                (
                    k.clone(),
                    RoleSetting {
                        add: CwLevel::My,
                        edit: CwLevel::My,
                        delete: CwLevel::None,
                        inquire: CwLevel::All,
                    },
                )
            })
            .collect(),
    };
    let admin = SecurityRole {
        id: 1,
        name: "Admin".into(),
        role_type: "Standard".into(),
        admin_flag: true,
        inactive_flag: false,
        settings: catalogue
            .iter()
            .map(|k| (k.clone(), RoleSetting::ALL))
            .collect(),
    };
    let corporate = (1, "Corporate".to_string());
    let members = vec![
        Member {
            id: 150,
            identifier: "admin1".into(),
            first_name: "Ada".into(),
            last_name: "Admin".into(),
            email: format!("admin1@{DEMO_DOMAIN}"),
            license_class: "F".into(),
            inactive: false,
            role_id: 1,
            structure_level: corporate.clone(),
            security_location: (2, "Corporate".into()),
            excluded_service_board_ids: vec![],
        },
        Member {
            id: 151,
            identifier: "tech1".into(),
            first_name: "Tom".into(),
            last_name: "Tech".into(),
            email: format!("tech1@{DEMO_DOMAIN}"),
            license_class: "F".into(),
            inactive: false,
            role_id: 2,
            structure_level: corporate,
            security_location: (2, "Corporate".into()),
            excluded_service_board_ids: vec![],
        },
    ];
    ConnectwiseTenant {
        company_id: CW_COMPANY_ID.into(),
        company_name: "Sandbox MSP".into(),
        codebase: "v2025_1/".into(),
        version_code: "v2025.1".into(),
        version_number: "v4.6.12345".into(),
        roles: vec![admin, technician],
        members,
        keys: vec![ApiKey {
            public_key: CW_ADMIN_PUBLIC_KEY.into(),
            private_key: SecretString::from(CW_ADMIN_PRIVATE_KEY),
            member_id: 150,
        }],
        client_ids: BTreeSet::from([CW_CLIENT_ID.to_string()]),
        callbacks: Vec::new(),
        catalogue,
        next_id: 200,
    }
}
