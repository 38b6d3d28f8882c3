package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const header = "id,date,start_time,name,type,duration_s,distance_km,elevation_m,avg_power,normalized_power,avg_hr,max_hr,ftp,fit_file\n"

func TestParseActivities(t *testing.T) {
	in := header +
		"1,2025-06-02,18:30,Intervals,Ride,3600,30.5,120,200,230,150,180,250,a.fit\n" +
		"2,2025-06-03,,Spin,VirtualRide,1800,15,,120,,,,,\n"
	acts, err := ParseActivities(strings.NewReader(in), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 {
		t.Fatalf("got %d activities", len(acts))
	}
	a := acts[0]
	if a.Start.Format("2006-01-02 15:04") != "2025-06-02 18:30" || a.DurationS != 3600 || a.NormalizedPower != 230 || a.FTP != 250 || a.FITFile != "a.fit" || a.Line != 2 {
		t.Errorf("row 1 = %+v", a)
	}
	// No NP: falls back to average power; empty optional columns are 0.
	if b := acts[1]; b.NormalizedPower != 120 || b.FTP != 0 || b.Type != "VirtualRide" || b.Line != 3 {
		t.Errorf("row 2 = %+v", b)
	}
}

func TestParseActivitiesErrorsNameTheLine(t *testing.T) {
	good := "1,2025-06-02,18:30,Ride,Ride,3600,30,0,200,230,150,180,250,\n"
	cases := map[string]struct{ body, want string }{
		"not a number":  {good + "2,2025-06-03,08:00,R,Ride,abc,30,0,200,230,150,180,250,\n", `bad.csv:3: column "duration_s": "abc" is not a number`},
		"bad date":      {good + good + "3,06/04/2025,08:00,R,Ride,60,1,0,1,1,1,1,1,\n", `bad.csv:4: column "date": "06/04/2025" is not a date`},
		"out of range":  {good + "2,2025-06-03,08:00,R,Ride,3600,30,0,200,9999,150,180,250,\n", `bad.csv:3: column "normalized_power": 9999 is out of range`},
		"empty needed":  {"2,2025-06-03,08:00,R,Ride,,30,0,200,230,150,180,250,\n", `bad.csv:2: column "duration_s" is empty`},
		"hr order":      {"2,2025-06-03,08:00,R,Ride,60,1,0,1,1,190,180,1,\n", `bad.csv:2: avg_hr 190 is above max_hr 180`},
		"field count":   {good + "2,2025-06-03\n", `bad.csv:3:`},
		"no rows":       {"", "bad.csv: no activities"},
		"missing col":   {"MISSING", `missing required column "date"`},
		"bad clock":     {"2,2025-06-03,25:99,R,Ride,60,1,0,1,1,1,1,1,\n", `bad.csv:2: column "start_time"`},
		"negative dist": {"2,2025-06-03,08:00,R,Ride,60,-1,0,1,1,1,1,1,\n", `bad.csv:2: column "distance_km": -1 is out of range`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			body := header + c.body
			if c.want == `missing required column "date"` {
				body = "name,duration_s\nx,1\n"
			}
			_, err := ParseActivities(strings.NewReader(body), "bad.csv")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestLoadProfileValidates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	os.WriteFile(path, []byte(`{"name":"X","ftp":0,"lthr":190,"max_hr":180}`), 0o644)
	_, err := LoadProfile(path)
	if err == nil || !strings.Contains(err.Error(), "ftp must be") || !strings.Contains(err.Error(), "lthr 190 is above max_hr 180") {
		t.Errorf("error = %v", err)
	}
	os.WriteFile(path, []byte(`{"name":`), 0o644)
	if _, err := LoadProfile(path); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("error = %v", err)
	}
}

// The committed data set: the CSV and the FIT files agree.
func TestCommittedDataSet(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "data")
	acts, err := LoadActivities(filepath.Join(dir, "real_activities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 220 {
		t.Errorf("activities = %d, want 220", len(acts))
	}
	if _, err := LoadProfile(filepath.Join(dir, "test_profile.json")); err != nil {
		t.Fatal(err)
	}
	rides, err := LoadFITDir(filepath.Join(dir, "fit_files"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rides) != 42 {
		t.Fatalf("FIT files = %d, want 42", len(rides))
	}
	byFile := map[string]Activity{}
	for _, a := range acts {
		if a.FITFile != "" {
			byFile[a.FITFile] = a
		}
	}
	for _, r := range rides {
		a, ok := byFile[r.File]
		if !ok {
			t.Errorf("%s: not named in the CSV", r.File)
			continue
		}
		if len(r.Samples) != int(a.DurationS) {
			t.Errorf("%s: %d records, CSV duration %v s", r.File, len(r.Samples), a.DurationS)
		}
		if !r.Start.Equal(a.Start) {
			t.Errorf("%s: starts %v, CSV says %v", r.File, r.Start, a.Start)
		}
		s := r.Samples[len(r.Samples)/2]
		if s.Power < 0 || s.HeartRate <= 0 || s.Speed < 0 || s.Distance <= 0 {
			t.Errorf("%s: record without data: %+v", r.File, s)
		}
	}
}

func TestLoadFITRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.fit")
	os.WriteFile(path, []byte("this is not a FIT file at all"), 0o644)
	if _, err := LoadFIT(path); err == nil || !strings.Contains(err.Error(), "x.fit: not a valid FIT file") {
		t.Errorf("error = %v", err)
	}
}
