/** The administrator connects Odoo to Exchange and tests the connection. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("calendar_exchange_sync_settings", {
    url: "/odoo/settings",
    steps: () => [
        {
            content: "Open the Calendar settings",
            trigger: ".settings_tab [data-key='calendar']",
            run: "click",
        },
        {
            content: "The Microsoft Exchange block is there",
            trigger: ".o_setting_box:contains('Enable Microsoft Exchange')",
        },
        {
            content: "Open the version list",
            trigger: ".o_field_widget[name='exchange_version'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Choose Exchange 2013",
            trigger: ".o_select_menu_item:contains('Exchange 2013')",
            run: "click",
        },
        {
            content: "Office 365 fields are hidden for an on-premises server",
            trigger: "body:not(:has(.o_field_widget[name='exchange_tenant']))",
        },
        {
            content: "NetBIOS domain",
            trigger: ".o_field_widget[name='exchange_domain'] input",
            run: "edit CONTOSO",
        },
        {
            content: "Delegate user",
            trigger: ".o_field_widget[name='exchange_username'] input",
            run: "edit svc-sync",
        },
        {
            content: "Delegate password",
            trigger: ".o_field_widget[name='exchange_password'] input",
            run: "edit S3rvice!",
        },
        {
            content: "Enable Microsoft Exchange",
            trigger: ".o_field_widget[name='exchange_enabled'] input",
            run: "click",
        },
        {
            content: "Save the settings",
            trigger: ".o_control_panel button:contains('Save')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: the form is clean again",
            trigger: ".o_field_widget[name='exchange_username'] input:value('svc-sync')",
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_exchange_test_connection']",
            run: "click",
        },
        {
            content: "Odoo says the connection works",
            trigger: ".o_notification:contains('Connection works')",
        },
    ],
});
