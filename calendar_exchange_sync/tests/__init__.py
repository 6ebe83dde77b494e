from . import test_activity_types
from . import test_settings
from . import test_secrets
from . import test_user_switch
from . import test_sync_ews
from . import test_sync_series
from . import test_sync_graph
from . import test_consent
