// Command gen writes the synthetic cycling data set used by the reference
// workload (examples/cycling-ai): real_activities.csv, test_profile.json and
// fit_files/*.fit. The data is plausible but invented. Everything is derived
// from one fixed seed, so running the generator twice writes the same bytes.
//
//	go run ./examples/data/gen                 # rewrite examples/data in place
//	go run ./examples/data/gen -out /tmp/data  # write elsewhere
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("out", "examples/data", "directory to write real_activities.csv, test_profile.json and fit_files/ into")
	flag.Parse()
	if err := Generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d activities, %d FIT files and the athlete profile to %s\n", totalActivities, fitFiles, *out)
}
