from . import calendar_activity_type
from . import res_company
from . import res_config_settings
from . import res_users
from . import calendar_event
