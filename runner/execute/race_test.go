//go:build race

package execute

// The race detector makes the helper process slow and large.
const raceEnabled = true
