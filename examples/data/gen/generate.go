package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// The shape of the data set. Changing any of these changes every output byte.
const (
	seed            = 20250303
	weeks           = 26  // six months of training
	totalActivities = 220 // rows in real_activities.csv
	fitFiles        = 42  // activities that also get a 1 Hz FIT recording
)

// firstDay is the Monday the data set starts on; all times are UTC.
var firstDay = time.Date(2025, time.March, 3, 0, 0, 0, 0, time.UTC)

// athlete is the one rider the data describes.
var athlete = Profile{
	Name:                  "Sam Okafor",
	Age:                   38,
	Sex:                   "male",
	WeightKg:              72.5,
	FTP:                   265,
	MaxHR:                 188,
	LTHR:                  168,
	RestingHR:             52,
	ExperienceYears:       7,
	AvailableHoursPerWeek: 10,
	TrainingDaysPerWeek:   6,
	PreferredLongRideDay:  "Saturday",
	Goals: []string{
		"Finish the 160 km Dolomites gran fondo (3,200 m climbing) in under 6 hours",
		"Raise FTP from 265 W to 280 W",
		"Hold 4.0 W/kg for a 20-minute climb",
	},
	Equipment: []string{"road bike with power meter pedals", "smart trainer", "chest-strap heart-rate monitor"},
}

// Profile is test_profile.json.
type Profile struct {
	Name                  string   `json:"name"`
	Age                   int      `json:"age"`
	Sex                   string   `json:"sex"`
	WeightKg              float64  `json:"weight_kg"`
	FTP                   int      `json:"ftp"`
	MaxHR                 int      `json:"max_hr"`
	LTHR                  int      `json:"lthr"`
	RestingHR             int      `json:"resting_hr"`
	ExperienceYears       int      `json:"experience_years"`
	AvailableHoursPerWeek float64  `json:"available_hours_per_week"`
	TrainingDaysPerWeek   int      `json:"training_days_per_week"`
	PreferredLongRideDay  string   `json:"preferred_long_ride_day"`
	Goals                 []string `json:"goals"`
	Equipment             []string `json:"equipment"`
}

// ftpOn is the athlete's FTP on a date: a step after each ramp test.
func ftpOn(t time.Time) int {
	week := int(t.Sub(firstDay).Hours() / 24 / 7)
	switch {
	case week < 6:
		return 245
	case week < 12:
		return 251
	case week < 18:
		return 257
	case week < 23:
		return 262
	default:
		return 265
	}
}

// kind is one type of workout with its plausible ranges.
type kind struct {
	id        string
	names     []string
	minMin    int     // shortest duration, minutes
	maxMin    int     // longest duration, minutes
	ifLo      float64 // intensity factor range
	ifHi      float64
	viLo      float64 // variability index (NP / average power) range
	viHi      float64
	indoorP   float64 // chance of riding it on the trainer
	climbPerK float64 // metres of climbing per km outdoors
	hour      int     // usual start hour
}

var kinds = map[string]kind{
	"recovery":  {"recovery", []string{"Recovery Spin", "Easy Spin"}, 30, 50, 0.50, 0.58, 1.02, 1.05, 0.6, 5, 18},
	"commute":   {"commute", []string{"Morning Commute", "Evening Commute"}, 25, 40, 0.55, 0.68, 1.08, 1.18, 0, 6, 7},
	"endurance": {"endurance", []string{"Endurance Ride", "Zone 2 Ride", "Aerobic Base Ride"}, 75, 120, 0.64, 0.72, 1.03, 1.08, 0.3, 9, 17},
	"vo2":       {"vo2", []string{"VO2max Intervals 5x4min"}, 60, 75, 0.82, 0.90, 1.12, 1.20, 0.7, 7, 18},
	"threshold": {"threshold", []string{"Threshold 2x20min"}, 70, 90, 0.85, 0.92, 1.05, 1.10, 0.6, 8, 18},
	"sweetspot": {"sweetspot", []string{"Sweet Spot 3x15min"}, 75, 90, 0.82, 0.88, 1.04, 1.08, 0.5, 8, 18},
	"tempo":     {"tempo", []string{"Tempo Ride 2x25min"}, 75, 100, 0.76, 0.83, 1.04, 1.09, 0.4, 9, 17},
	"long":      {"long", []string{"Long Endurance Ride", "Hilly Long Ride", "Coffee Ride"}, 180, 270, 0.68, 0.75, 1.06, 1.12, 0, 14, 8},
	"ftptest":   {"ftptest", []string{"FTP Test (20 min)"}, 75, 90, 0.90, 0.95, 1.05, 1.10, 0.8, 6, 18},
	"group":     {"group", []string{"Sunday Group Ride", "Club Chaingang"}, 120, 180, 0.78, 0.86, 1.12, 1.22, 0, 10, 8},
}

// activity is one row of real_activities.csv.
type activity struct {
	id         int
	start      time.Time
	kind       kind
	name       string
	indoor     bool
	recovery   bool // in a recovery week
	durationS  int
	distanceKm float64
	elevationM int
	avgPower   int
	np         int
	avgHR      int
	maxHR      int
	avgCadence int
	kj         int
	tss        float64
	ifactor    float64
	ftp        int
	fitFile    string
}

// slot is a candidate activity in the weekly template.
type slot struct {
	day  int // 0 = Monday
	kind string
	p    float64 // chance it happens in a normal week
}

var weekTemplate = []slot{
	{0, "recovery", 0.35},
	{1, "commute", 0.8},
	{1, "vo2", 0.95},
	{2, "commute", 0.8},
	{2, "commute", 0.7},
	{2, "endurance", 0.6},
	{3, "commute", 0.8},
	{3, "sweetspot", 0.9},
	{4, "commute", 0.6},
	{4, "commute", 0.5},
	{5, "long", 0.95},
	{6, "group", 0.85},
}

// Generate writes the whole data set into dir.
func Generate(dir string) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	acts := plan(rng)
	fitDir := filepath.Join(dir, "fit_files")
	if err := os.MkdirAll(fitDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", fitDir, err)
	}
	stale, err := filepath.Glob(filepath.Join(fitDir, "*.fit"))
	if err != nil {
		return fmt.Errorf("list %s: %w", fitDir, err)
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove stale FIT file: %w", err)
		}
	}
	withFIT := pickFITActivities(acts)
	for i := range acts {
		a := &acts[i]
		if withFIT[i] {
			rec := simulateRide(rng, a)
			a.fitFile = fmt.Sprintf("%s_%03d.fit", a.start.Format("2006-01-02"), a.id)
			data, err := encodeFIT(a, rec)
			if err != nil {
				return fmt.Errorf("encode %s: %w", a.fitFile, err)
			}
			if err := os.WriteFile(filepath.Join(fitDir, a.fitFile), data, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", a.fitFile, err)
			}
		} else {
			summarise(rng, a)
		}
	}
	if err := writeCSV(filepath.Join(dir, "real_activities.csv"), acts); err != nil {
		return err
	}
	return writeProfile(filepath.Join(dir, "test_profile.json"))
}

// plan lays out exactly totalActivities workouts over the weeks, with a
// recovery week every fourth week.
func plan(rng *rand.Rand) []activity {
	var acts []activity
	for w := 0; w < weeks; w++ {
		recoveryWeek := w%4 == 3
		for _, s := range weekTemplate {
			p := s.p
			kindID := s.kind
			if kindID == "vo2" && isTestWeek(w) {
				kindID, p = "ftptest", 1
			} else if recoveryWeek {
				switch kindID {
				case "vo2", "sweetspot":
					kindID = "endurance"
					p *= 0.6
				case "group":
					kindID = "recovery"
				case "commute":
					p *= 0.8
				}
			} else if kindID == "vo2" && w%2 == 1 {
				kindID = "threshold"
			} else if kindID == "sweetspot" && w%3 == 2 {
				kindID = "tempo"
			}
			if rng.Float64() >= p {
				continue
			}
			day := firstDay.AddDate(0, 0, w*7+s.day)
			acts = append(acts, activity{kind: kinds[kindID], start: day, recovery: recoveryWeek})
		}
	}
	// Trim surplus commutes, or add easy spins, until the count is exact.
	for len(acts) > totalActivities {
		var commutes []int
		for i, a := range acts {
			if a.kind.id == "commute" {
				commutes = append(commutes, i)
			}
		}
		i := commutes[rng.IntN(len(commutes))]
		acts = append(acts[:i], acts[i+1:]...)
	}
	for len(acts) < totalActivities {
		day := firstDay.AddDate(0, 0, rng.IntN(weeks*7))
		acts = append(acts, activity{kind: kinds["recovery"], start: day})
	}
	// Give each ride its start time and sort chronologically.
	commuteSeen := map[time.Time]int{}
	for i := range acts {
		a := &acts[i]
		hour := a.kind.hour
		if a.kind.id == "commute" {
			if commuteSeen[a.start] > 0 {
				hour = 17
			}
			commuteSeen[a.start]++
		}
		a.start = a.start.Add(time.Duration(hour)*time.Hour + time.Duration(rng.IntN(50))*time.Minute)
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].start.Before(acts[j].start) })
	for i := range acts {
		a := &acts[i]
		a.id = i + 1
		a.ftp = ftpOn(a.start)
		a.indoor = rng.Float64() < a.kind.indoorP
		a.name = a.kind.names[rng.IntN(len(a.kind.names))]
		if a.kind.id == "commute" && a.start.Hour() >= 12 {
			a.name = "Evening Commute"
		} else if a.kind.id == "commute" {
			a.name = "Morning Commute"
		}
		if a.indoor {
			a.name = "Zwift - " + a.name
		}
	}
	return acts
}

// isTestWeek reports whether week w starts with an FTP test (the weeks the
// FTP setting steps up, see ftpOn).
func isTestWeek(w int) bool { return w == 0 || w == 6 || w == 12 || w == 18 || w == 23 }

// pickFITActivities records every FTP test and spreads the other recordings
// evenly over the non-commute rides.
func pickFITActivities(acts []activity) map[int]bool {
	picked := map[int]bool{}
	var candidates []int
	for i, a := range acts {
		switch a.kind.id {
		case "ftptest":
			picked[i] = true
		case "commute":
		default:
			candidates = append(candidates, i)
		}
	}
	rest := fitFiles - len(picked)
	n := len(candidates)
	for k := 0; k < rest; k++ {
		picked[candidates[k*(n-1)/(rest-1)]] = true
	}
	return picked
}

// durationFor draws a duration in seconds for the activity's kind.
func durationFor(rng *rand.Rand, a *activity) int {
	lo, hi := a.kind.minMin, a.kind.maxMin
	if a.recovery && a.kind.id == "long" {
		lo, hi = 120, 150
	}
	minutes := lo + rng.IntN(hi-lo+1)
	return minutes*60 + rng.IntN(60)
}

func between(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// summarise fills in the numbers of a ride without a recording.
func summarise(rng *rand.Rand, a *activity) {
	a.durationS = durationFor(rng, a)
	ifactor := between(rng, a.kind.ifLo, a.kind.ifHi)
	vi := between(rng, a.kind.viLo, a.kind.viHi)
	a.np = int(math.Round(ifactor * float64(a.ftp)))
	a.avgPower = int(math.Round(float64(a.np) / vi))
	hours := float64(a.durationS) / 3600
	a.distanceKm = round2(speedKmh(float64(a.avgPower), a.kind.id) * hours * between(rng, 0.95, 1.05))
	a.avgHR = int(math.Round(hrFor(ifactor) + between(rng, -3, 3)))
	a.maxHR = min(athlete.MaxHR, a.avgHR+15+rng.IntN(20))
	a.avgCadence = 84 + rng.IntN(10)
	finish(rng, a)
}

// finish derives the dependent columns: work, IF, TSS, climbing.
func finish(rng *rand.Rand, a *activity) {
	a.kj = int(math.Round(float64(a.avgPower) * float64(a.durationS) / 1000))
	a.ifactor = float64(a.np) / float64(a.ftp)
	a.tss = math.Round(float64(a.durationS)*float64(a.np)*a.ifactor/(float64(a.ftp)*3600)*100*10) / 10
	climb := a.kind.climbPerK
	if a.indoor {
		climb *= 0.5
	}
	a.elevationM = int(math.Round(a.distanceKm * climb * between(rng, 0.6, 1.4)))
}

// speedKmh is a rough flat-ish road speed for an average power.
func speedKmh(avgPower float64, kindID string) float64 {
	v := 1.45 * math.Cbrt(math.Max(avgPower, 40)) * 3.6
	if kindID == "commute" {
		v *= 0.8 // traffic lights
	}
	return v
}

// hrFor is the steady-state average heart rate at an intensity factor.
func hrFor(ifactor float64) float64 {
	return float64(athlete.RestingHR) + float64(athlete.LTHR-athlete.RestingHR)*math.Pow(ifactor, 0.8)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

var csvHeader = []string{
	"id", "date", "start_time", "name", "type", "duration_s", "distance_km", "elevation_m",
	"avg_power", "normalized_power", "avg_hr", "max_hr", "avg_cadence", "kilojoules",
	"intensity_factor", "tss", "ftp", "fit_file",
}

func writeCSV(path string, acts []activity) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		return err
	}
	for _, a := range acts {
		typ := "Ride"
		if a.indoor {
			typ = "VirtualRide"
		}
		row := []string{
			strconv.Itoa(a.id),
			a.start.Format("2006-01-02"),
			a.start.Format("15:04"),
			a.name,
			typ,
			strconv.Itoa(a.durationS),
			strconv.FormatFloat(a.distanceKm, 'f', 2, 64),
			strconv.Itoa(a.elevationM),
			strconv.Itoa(a.avgPower),
			strconv.Itoa(a.np),
			strconv.Itoa(a.avgHR),
			strconv.Itoa(a.maxHR),
			strconv.Itoa(a.avgCadence),
			strconv.Itoa(a.kj),
			strconv.FormatFloat(a.ifactor, 'f', 3, 64),
			strconv.FormatFloat(a.tss, 'f', 1, 64),
			strconv.Itoa(a.ftp),
			a.fitFile,
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeProfile(path string) error {
	data, err := json.MarshalIndent(athlete, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
