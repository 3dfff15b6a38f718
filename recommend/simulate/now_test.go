package simulate_test

import "time"

var simulateNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
