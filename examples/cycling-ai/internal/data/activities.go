// Package data loads and validates the workload's inputs: the activities CSV,
// the athlete profile JSON and the FIT recordings.
package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Activity is one row of the activities CSV. Zero means "not recorded" for
// the optional numeric columns.
type Activity struct {
	ID              int       `json:"id"`
	Start           time.Time `json:"start"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	DurationS       float64   `json:"duration_s"`
	DistanceKm      float64   `json:"distance_km"`
	ElevationM      float64   `json:"elevation_m"`
	AvgPower        float64   `json:"avg_power"`
	NormalizedPower float64   `json:"normalized_power"`
	AvgHR           float64   `json:"avg_hr"`
	MaxHR           float64   `json:"max_hr"`
	AvgCadence      float64   `json:"avg_cadence"`
	Kilojoules      float64   `json:"kilojoules"`
	ReportedTSS     float64   `json:"reported_tss"`
	FTP             float64   `json:"ftp"`
	FITFile         string    `json:"fit_file,omitempty"`
	Line            int       `json:"-"` // line in the CSV, for messages
}

// column describes how one CSV column is read into an Activity.
type column struct {
	required bool
	min, max float64 // valid range for numbers
	set      func(a *Activity, v float64)
}

var numericColumns = map[string]column{
	"duration_s":       {true, 1, 86400, func(a *Activity, v float64) { a.DurationS = v }},
	"distance_km":      {true, 0, 1000, func(a *Activity, v float64) { a.DistanceKm = v }},
	"elevation_m":      {false, 0, 20000, func(a *Activity, v float64) { a.ElevationM = v }},
	"avg_power":        {false, 0, 2500, func(a *Activity, v float64) { a.AvgPower = v }},
	"normalized_power": {false, 0, 2500, func(a *Activity, v float64) { a.NormalizedPower = v }},
	"avg_hr":           {false, 0, 250, func(a *Activity, v float64) { a.AvgHR = v }},
	"max_hr":           {false, 0, 250, func(a *Activity, v float64) { a.MaxHR = v }},
	"avg_cadence":      {false, 0, 250, func(a *Activity, v float64) { a.AvgCadence = v }},
	"kilojoules":       {false, 0, 20000, func(a *Activity, v float64) { a.Kilojoules = v }},
	"tss":              {false, 0, 2000, func(a *Activity, v float64) { a.ReportedTSS = v }},
	"ftp":              {false, 0, 1000, func(a *Activity, v float64) { a.FTP = v }},
	"intensity_factor": {false, 0, 3, func(a *Activity, v float64) {}},
	"id":               {false, 0, 1e12, func(a *Activity, v float64) { a.ID = int(v) }},
}

// LoadActivities reads and validates an activities CSV (see
// examples/data/README.md for the columns). Errors name the file and line.
func LoadActivities(path string) ([]Activity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open activities CSV: %w", err)
	}
	defer f.Close()
	acts, err := ParseActivities(f, path)
	if err != nil {
		return nil, err
	}
	return acts, nil
}

// ParseActivities reads activities from r; name is used in error messages.
func ParseActivities(r io.Reader, name string) ([]Activity, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, expected a header row", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"date", "duration_s", "distance_km"} {
		if _, ok := index[need]; !ok {
			return nil, fmt.Errorf("%s:1: missing required column %q (header: %s)", name, need, strings.Join(header, ","))
		}
	}
	_, hasNP := index["normalized_power"]
	_, hasAvg := index["avg_power"]
	if !hasNP && !hasAvg {
		return nil, fmt.Errorf("%s:1: need a normalized_power or avg_power column to compute training stress", name)
	}

	var acts []Activity
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		a, err := parseRow(rec, index, line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if a.ID == 0 {
			a.ID = len(acts) + 1
		}
		acts = append(acts, a)
	}
	if len(acts) == 0 {
		return nil, fmt.Errorf("%s: no activities after the header row", name)
	}
	return acts, nil
}

func parseRow(rec []string, index map[string]int, line int) (Activity, error) {
	a := Activity{Line: line}
	get := func(col string) string {
		if i, ok := index[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	start, err := parseStart(get("date"), get("start_time"))
	if err != nil {
		return a, err
	}
	a.Start = start
	a.Name = get("name")
	a.Type = get("type")
	if a.Type == "" {
		a.Type = "Ride"
	}
	a.FITFile = get("fit_file")
	for col, c := range numericColumns {
		if _, ok := index[col]; !ok {
			continue
		}
		s := get(col)
		if s == "" {
			if c.required {
				return a, fmt.Errorf("column %q is empty", col)
			}
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return a, fmt.Errorf("column %q: %q is not a number", col, s)
		}
		if v < c.min || v > c.max {
			return a, fmt.Errorf("column %q: %v is out of range [%v, %v]", col, v, c.min, c.max)
		}
		c.set(&a, v)
	}
	if a.NormalizedPower == 0 {
		a.NormalizedPower = a.AvgPower
	}
	if a.MaxHR > 0 && a.AvgHR > a.MaxHR {
		return a, fmt.Errorf("avg_hr %v is above max_hr %v", a.AvgHR, a.MaxHR)
	}
	return a, nil
}

// parseStart accepts a date (YYYY-MM-DD) with an optional HH:MM start time,
// or a full RFC 3339 timestamp in the date column.
func parseStart(date, clock string) (time.Time, error) {
	if date == "" {
		return time.Time{}, errors.New(`column "date" is empty`)
	}
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		return t.UTC(), nil
	}
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return time.Time{}, fmt.Errorf("column \"date\": %q is not a date (want YYYY-MM-DD)", date)
	}
	if clock == "" {
		return d, nil
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("column \"start_time\": %q is not a time (want HH:MM)", clock)
	}
	return d.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute), nil
}
