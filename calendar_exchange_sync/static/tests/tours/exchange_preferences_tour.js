/** A user switches calendar synchronisation on for themselves and presses Sync now. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("calendar_exchange_sync_preferences", {
    url: "/odoo/calendar",
    steps: () => [
        {
            content: "Open the user menu",
            trigger: ".o_user_menu .dropdown-toggle",
            run: "click",
        },
        {
            content: "Open Preferences",
            trigger: "[data-menu=preferences]",
            run: "click",
        },
        {
            content: "Go to the Calendar tab",
            trigger: ".modal .o_notebook .nav-link:contains('Calendar')",
            run: "click",
        },
        {
            content: "The mailbox that will be used is shown",
            trigger: ".modal .o_field_widget[name='exchange_mailbox']:contains('tour.user@contoso.com')",
        },
        {
            content: "Switch synchronisation on",
            trigger: ".modal .o_field_widget[name='exchange_sync_enabled'] input",
            run: "click",
        },
        {
            content: "Save (the page reloads with the new preferences)",
            trigger: ".modal-footer .btn-primary",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back in the calendar, the Exchange button is there: press it",
            trigger: "body:not(:has(.modal)) .o_exchange_sync_now",
            run: "click",
        },
        {
            content: "Odoo says the synchronisation started",
            trigger: ".o_notification:contains('Synchronisation started')",
        },
        {
            content: "Open Preferences again",
            trigger: "body:not(:has(.modal)) .o_user_menu .dropdown-toggle",
            run: "click",
        },
        {
            trigger: "[data-menu=preferences]",
            run: "click",
        },
        {
            trigger: ".modal .o_notebook .nav-link:contains('Calendar')",
            run: "click",
        },
        {
            content: "Preferences have a Sync now button too",
            trigger: ".modal button[name='action_exchange_sync_now']",
            run: "click",
        },
        {
            content: "Odoo says the synchronisation started",
            trigger: ".o_notification:contains('Synchronisation started')",
        },
    ],
});
