package history

import "os"

// Target picks the store: off (--no-history), then flag (--history), then
// the spec's history:, then $RUNNER_HISTORY, then DefaultPath; "" when
// history is off. explicit is false only for the default: a store nobody
// named never fails a benchmark.
func Target(off bool, flag, specHistory string) (target string, explicit bool) {
	v := ""
	switch {
	case off:
		return "", true
	case flag != "":
		v = flag
	case specHistory != "":
		v = specHistory
	case os.Getenv(EnvVar) != "":
		v = os.Getenv(EnvVar)
	default:
		return DefaultPath, false
	}
	if v == Off {
		return "", true
	}
	return v, true
}
