/** A "Sync now" button in the calendar, for users who synchronise with Exchange. */
import { AttendeeCalendarController } from "@calendar/views/attendee_calendar/attendee_calendar_controller";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";
import { onWillStart } from "@odoo/owl";

patch(AttendeeCalendarController.prototype, {
    setup() {
        super.setup(...arguments);
        this.exchangeSync = { enabled: false };
        onWillStart(async () => {
            this.exchangeSync = await this.orm.call("res.users", "exchange_sync_state", [
                [user.userId],
            ]);
        });
    },

    async onExchangeSyncNow() {
        const action = await this.orm.call("res.users", "action_exchange_sync_now", [
            [user.userId],
        ]);
        await this.actionService.doAction(action);
    },
});
