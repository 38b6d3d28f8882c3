// Package jsonnum scans a number in JSON's syntax, which is narrower than
// strconv.ParseFloat's (no "+1", ".5", "01", "Inf", "0x10" or "1_0"): the
// hand-written JSON paths of the metering proxy and the history store take
// a number only where encoding/json would.
package jsonnum

// Scan reads the number that starts at p[i] and returns the index just past
// it; ok is false when p[i:] does not start with one.
func Scan[T string | []byte](p T, i int) (end int, ok bool) {
	if i < len(p) && p[i] == '-' {
		i++
	}
	switch {
	case i >= len(p):
		return 0, false
	case p[i] == '0':
		i++
	case '1' <= p[i] && p[i] <= '9':
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(p) && p[i] == '.' {
		i++
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	return i, true
}
