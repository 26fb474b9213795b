"""Constants the math and the estimators share."""

import math

LOG_2 = math.log(2.0)
LOG_2PI = math.log(2.0 * math.pi)
# A mean training cross-entropy 100 times a chance classifier's: the optimiser has diverged.
DIVERGED_CROSS_ENTROPY = 100 * LOG_2
