//! Intake's part of the staff API's OpenAPI document: every route of the table in `lib.rs`,
//! described by the `#[utoipa::path]` of its handler.

use crate::{activities, csv_files, customers, demo, orders, sales, staff, tasks, verification};
use crm_guest::openapi::StaffApi;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "crm staff API",
        description = "The staff API of every component of the CRM: customer intake, complaint \
                       escalation and reporting. Authenticate with `Authorization: Bearer <token>`; \
                       errors are `application/problem+json` naming the field at fault; a create \
                       with an `Idempotency-Key` header is done at most once per key.",
    ),
    modifiers(&StaffApi),
    security(("bearer" = [])),
    paths(
        crate::health,
        crate::openapi_document,
        customers::create,
        customers::get,
        customers::update,
        customers::list,
        customers::add_contact,
        customers::add_address,
        customers::reassign,
        customers::overview,
        customers::merge,
        customers::invite_to_portal,
        staff::me,
        staff::list_staff,
        staff::create_staff,
        staff::issue_token,
        staff::revoke_token,
        csv_files::import,
        csv_files::export_customers,
        csv_files::export_orders,
        orders::create_product,
        orders::update_product,
        orders::adjust_stock,
        orders::list_products,
        orders::create_order,
        orders::get_order,
        orders::list_orders,
        orders::set_order_status,
        activities::draft,
        activities::record,
        activities::record_batch,
        activities::list,
        sales::list_leads,
        sales::create_lead,
        sales::capture_lead,
        sales::capture_preflight,
        sales::get_lead,
        sales::qualify_lead,
        sales::disqualify_lead,
        sales::qualify_as_service,
        sales::get_opportunity,
        sales::move_opportunity,
        sales::win_opportunity,
        sales::lose_opportunity,
        tasks::assign,
        tasks::get,
        tasks::list,
        tasks::report,
        tasks::redo,
        verification::sample,
        verification::check,
        verification::rates,
        demo::seed,
    )
)]
pub struct IntakeApi;

/// The other components whose parts make the whole document.
pub const OTHER_COMPONENTS: &[&str] = &["escalation", "reporting", "portal"];
