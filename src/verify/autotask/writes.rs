//! The opt-in Autotask write tests: an impersonated ticket note and a throw-away webhook. They
//! run only with `VerifyOptions::allow_writes`; `describe_writes` says what they leave behind.

use serde_json::json;

use super::super::{Outcome, said};
use super::AtRun;

impl AtRun {
    pub(super) async fn impersonation_write(&self, ticket: Option<i64>) -> Outcome {
        let humans = match self.humans().await {
            Ok(h) => h.clone(),
            Err(e) => {
                return Outcome::fail(format!(
                    "could not list resources to impersonate: {}",
                    said(e)
                ))
                .because(e);
            }
        };
        // Prefer a full license (1–3) so a license limit does not muddy the result.
        let Some(h) = humans
            .iter()
            .find(|h| matches!(h.license_type, Some(1..=3)))
            .or_else(|| humans.first())
            .cloned()
        else {
            return Outcome::skipped("skipped: no active non-API resource to impersonate");
        };
        // The ticket and the note's picklists do not depend on each other: one round trip.
        let find_ticket = async {
            if let Some(t) = ticket {
                return Ok(t);
            }
            let body = json!({"MaxRecords": 1, "IncludeFields": ["id"],
                "Filter": [{"op": "gte", "field": "id", "value": 0}]});
            let tickets = self.client.query("Tickets", &body).await.map_err(|e| {
                Outcome::fail(format!(
                    "could not find a ticket for the test note: {}",
                    said(&e)
                ))
                .because(&e)
            })?;
            tickets
                .first()
                .and_then(|t| t.get("id"))
                .and_then(|i| i.as_i64())
                .ok_or_else(|| {
                    Outcome::skipped("skipped: there is no ticket to add the test note to")
                })
        };
        let (ticket, fields) =
            futures::join!(find_ticket, self.client.entity_fields("TicketNotes"));
        let ticket = match ticket {
            Ok(t) => t,
            Err(o) => return o,
        };
        let fields = fields.unwrap_or_default();
        let first_value = |name: &str, default: i64| {
            fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .and_then(|f| f.picklist_values.as_ref())
                .and_then(|p| {
                    p.iter()
                        .filter(|v| v.is_active != Some(false))
                        .find_map(|v| v.value_i64())
                })
                .unwrap_or(default)
        };
        let note = json!({
            "title": "psa-onboard setup check",
            "description": "Written by psa-onboard to check that the integration may impersonate this resource.",
            "noteType": first_value("noteType", 1),
            "publish": first_value("publish", 1),
        });
        let who = if h.name.is_empty() {
            h.user_name.clone()
        } else {
            h.name.clone()
        };
        match self.client.create_ticket_note_as(ticket, h.id, &note).await {
            Err(e) if e.is_permission() => Outcome::fail(format!(
                "Autotask refused the note written as {who} (resource {}): {}. Either the API user's level lacks \
Web Services API › Ticket Notes › Add, or {who}'s security level does not allow impersonation (or their license \
cannot be impersonated).",
                h.id,
                said(&e)
            )).because(&e),
            Err(e) => Outcome::fail(format!("the impersonated note failed: {}", said(&e))).because(&e),
            Ok(id) => {
                let note = self
                    .client
                    .ticket_note(ticket, id)
                    .await
                    .unwrap_or_default();
                let ids = ["creatorResourceID", "impersonatorCreatorResourceID"]
                    .iter()
                    .filter_map(|k| note.get(*k).and_then(|v| v.as_i64()))
                    .collect::<Vec<_>>();
                if ids.contains(&h.id) {
                    Outcome::pass(format!(
                        "note {id} on ticket {ticket} was recorded as written by {who}"
                    ))
                } else {
                    Outcome::warn(format!(
                        "note {id} on ticket {ticket} was created, but Autotask did not record {who} (resource {}) as its author",
                        h.id
                    ))
                }
            }
        }
    }

    pub(super) async fn webhook_write(&self) -> Outcome {
        let body = json!({
            "name": "psa-onboard setup check",
            "isActive": false,
            "webhookUrl": "https://example.invalid/psa-onboard",
            "deactivationUrl": "https://example.invalid/psa-onboard/deactivated",
            "isSubscribedToCreateEvents": false,
            "isSubscribedToUpdateEvents": false,
            "isSubscribedToDeleteEvents": false,
            "sendThresholdExceededNotification": false
        });
        match self.client.create_ticket_webhook(&body).await {
            Err(e) => Outcome::fail(format!(
                "Autotask refused to create a webhook: {}",
                said(&e)
            )).because(&e),
            Ok(id) => match self.client.delete_ticket_webhook(id).await {
                Ok(()) => Outcome::pass(format!("created webhook {id} and deleted it again")),
                Err(e) => Outcome::warn(format!(
                    "created webhook {id} but could not delete it ({}); delete the inactive \"psa-onboard setup check\" webhook yourself",
                    said(&e)
                )).because(&e),
            },
        }
    }
}
