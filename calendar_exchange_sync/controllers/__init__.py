from . import consent
from . import notifications
