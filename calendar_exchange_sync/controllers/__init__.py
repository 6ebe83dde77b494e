from . import consent
from . import signin
from . import notifications
