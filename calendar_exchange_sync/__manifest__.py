{
    "name": "Calendar Exchange Sync",
    "summary": "Two-way sync of Odoo calendars with Exchange 2007-2019 and Office 365",
    "version": "19.0.1.0.0",
    "category": "Productivity/Calendar",
    "license": "LGPL-3",
    "author": "calendar_exchange_sync developers",
    "website": "https://github.com/calendar-exchange-sync/calendar_exchange_sync",
    "development_status": "Alpha",
    "maintainers": [],
    "depends": ["calendar"],
    "external_dependencies": {
        "python": ["exchangelib", "msal", "requests-oauthlib"],
    },
    "data": [
        "security/calendar_exchange_sync_security.xml",
        "security/ir.model.access.csv",
        "data/calendar_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_cron_signin_data.xml",
        "views/calendar_activity_type_views.xml",
        "views/calendar_exchange_log_views.xml",
        "views/calendar_exchange_mailbox_views.xml",
        "views/calendar_event_views.xml",
        "views/res_users_views.xml",
        "views/res_config_settings_views.xml",
        "views/tenant_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "calendar_exchange_sync/static/src/views/*",
        ],
        "web.assets_tests": [
            "calendar_exchange_sync/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
