from . import consent
from . import signin
