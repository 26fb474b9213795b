"""Constants the math and the estimators share."""

import math

LOG_2 = math.log(2.0)
LOG_2PI = math.log(2.0 * math.pi)
