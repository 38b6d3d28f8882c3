package analysis

import (
	"math"
	"testing"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/data"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v (±%v)", name, got, want, tol)
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestNormalizedPower(t *testing.T) {
	near(t, "NP of a steady 200 W", NormalizedPower(repeat(200, 600)), 200, 1e-9)
	// 30 s at 100 W then 30 s at 300 W: the 31 rolling 30 s averages are
	// 100 + 20k/3 W for k = 0..30, and NP = (mean of their 4th powers)^(1/4).
	watts := append(repeat(100, 30), repeat(300, 30)...)
	near(t, "NP of 30 s @100 W + 30 s @300 W", NormalizedPower(watts), 223.069, 0.001)
	// Shorter than the window: plain average.
	near(t, "NP of 10 s", NormalizedPower([]float64{100, 200}), 150, 1e-9)
	near(t, "NP of nothing", NormalizedPower(nil), 0, 0)
}

func TestTSSAndIF(t *testing.T) {
	// One hour at FTP is 100 TSS by definition.
	near(t, "TSS 1 h at FTP", TSS(3600, 250, 250), 100, 1e-9)
	// 2 h at NP 200, FTP 250: IF 0.8, TSS = 7200*200*0.8/(250*3600)*100 = 128.
	near(t, "IF", IntensityFactor(200, 250), 0.8, 1e-12)
	near(t, "TSS 2 h at IF 0.8", TSS(7200, 200, 250), 128, 1e-9)
	// 1.5 h at NP 225, FTP 250: IF 0.9, TSS = 5400*225*0.9/900000*100 = 121.5.
	near(t, "TSS 1.5 h at IF 0.9", TSS(5400, 225, 250), 121.5, 1e-9)
	near(t, "TSS without FTP", TSS(3600, 200, 0), 0, 0)
}

func TestBestAverage(t *testing.T) {
	watts := append(append(repeat(100, 100), repeat(300, 20)...), repeat(150, 100)...)
	near(t, "best 20 s", BestAverage(watts, 20), 300, 1e-9)
	near(t, "best 40 s", BestAverage(watts, 40), 225, 1e-9) // 20 s @300 + 20 s @150
	near(t, "window longer than ride", BestAverage(watts, 1000), 0, 0)
}

func TestPowerZones(t *testing.T) {
	z := PowerZones(200)
	wantMin := []float64{0, 110, 150, 180, 210, 240, 300}
	wantMax := []float64{110, 150, 180, 210, 240, 300, 0}
	if len(z) != 7 {
		t.Fatalf("got %d power zones, want 7", len(z))
	}
	for i := range z {
		if z[i].Min != wantMin[i] || z[i].Max != wantMax[i] {
			t.Errorf("Z%d = [%v, %v), want [%v, %v)", i+1, z[i].Min, z[i].Max, wantMin[i], wantMax[i])
		}
	}
	if z[3].Name != "Lactate Threshold" || z[6].Name != "Neuromuscular Power" {
		t.Errorf("zone names: %q, %q", z[3].Name, z[6].Name)
	}
}

func TestHRZones(t *testing.T) {
	// LTHR 170: 81 % = 137.7 -> 138, 90 % = 153, 94 % = 159.8 -> 160, 100 % = 170.
	got := HRZones(170, 190)
	want := [][2]float64{{0, 138}, {138, 153}, {153, 160}, {160, 170}, {170, 0}}
	for i, w := range want {
		if got[i].Min != w[0] || got[i].Max != w[1] {
			t.Errorf("LTHR Z%d = [%v, %v), want %v", i+1, got[i].Min, got[i].Max, w)
		}
	}
	// Without LTHR: 60/70/80/90 % of max HR 200.
	got = HRZones(0, 200)
	want = [][2]float64{{0, 120}, {120, 140}, {140, 160}, {160, 180}, {180, 0}}
	for i, w := range want {
		if got[i].Min != w[0] || got[i].Max != w[1] {
			t.Errorf("max-HR Z%d = [%v, %v), want %v", i+1, got[i].Min, got[i].Max, w)
		}
	}
}

func TestTimeInZones(t *testing.T) {
	// FTP 200: 100 W Z1, 120 W Z2, 150 W Z3 (lower bound inclusive), 300 W Z7; -1 = no data.
	d := TimeInZones([]float64{100, 120, 150, 300, -1}, PowerZones(200))
	wantSecs := []float64{1, 1, 1, 0, 0, 0, 1}
	for i, w := range wantSecs {
		if d[i].Seconds != w {
			t.Errorf("Z%d seconds = %v, want %v", i+1, d[i].Seconds, w)
		}
	}
	near(t, "Z1 percent", d[0].Percent, 25, 1e-9)
}

func TestLoadSeries(t *testing.T) {
	first := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	daily := map[string]float64{"2025-06-02": 100, "2025-06-04": 50}
	s := LoadSeries(daily, first, first.AddDate(0, 0, 2))
	if len(s) != 3 {
		t.Fatalf("got %d days, want 3", len(s))
	}
	// Day 1: CTL = 100/42 = 2.381, ATL = 100/7 = 14.286, TSB = -11.905.
	// Day 2 (rest): CTL = 2.381*41/42 = 2.324, ATL = 14.286*6/7 = 12.245.
	// Day 3 (50): CTL = 2.324 + (50-2.324)/42 = 3.459, ATL = 12.245 + (50-12.245)/7 = 17.638.
	want := []DayLoad{
		{Date: "2025-06-02", TSS: 100, CTL: 2.38, ATL: 14.29, TSB: -11.9},
		{Date: "2025-06-03", TSS: 0, CTL: 2.32, ATL: 12.24, TSB: -9.92},
		{Date: "2025-06-04", TSS: 50, CTL: 3.46, ATL: 17.64, TSB: -14.18},
	}
	for i, w := range want {
		if s[i] != w {
			t.Errorf("day %d = %+v, want %+v", i+1, s[i], w)
		}
	}
}

func TestMonthsBefore(t *testing.T) {
	cases := map[string]string{"2025-08-31": "2025-02-28", "2025-06-10": "2024-12-10", "2024-08-31": "2024-02-29"}
	for in, want := range cases {
		d, _ := time.Parse("2006-01-02", in)
		if got := monthsBefore(d, 6).Format("2006-01-02"); got != want {
			t.Errorf("6 months before %s = %s, want %s", in, got, want)
		}
	}
}

// fixture is a small data set whose numbers are worked out by hand below.
func fixture() Input {
	at := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }
	acts := []data.Activity{
		{ID: 1, Start: at("2025-06-02 18:00"), Name: "Threshold", Type: "Ride", DurationS: 3600, DistanceKm: 30, ElevationM: 100, NormalizedPower: 250, AvgPower: 240, FTP: 250},
		{ID: 2, Start: at("2025-06-04 18:00"), Name: "Endurance", Type: "VirtualRide", DurationS: 7200, DistanceKm: 60, ElevationM: 200, NormalizedPower: 200, AvgPower: 190, FTP: 250, FITFile: "ride.fit"},
		{ID: 3, Start: at("2025-06-10 18:00"), Name: "Tempo", Type: "Ride", DurationS: 5400, DistanceKm: 45, ElevationM: 300, NormalizedPower: 225, AvgPower: 210, ReportedTSS: 90},
		// Older than the one-month period: counts towards CTL only.
		{ID: 4, Start: at("2025-04-01 18:00"), Name: "Old", Type: "Ride", DurationS: 3600, DistanceKm: 30, NormalizedPower: 250, FTP: 250},
	}
	// A 25-minute recording on 4 June: 10 s @ 0 W, 1500 s @ 210 W (Z3 at FTP 250), at 150 bpm.
	start := at("2025-06-04 18:00")
	var samples []data.Sample
	for i := 0; i < 1510; i++ {
		p := 210.0
		if i < 10 {
			p = 0
		}
		samples = append(samples, data.Sample{Time: start.Add(time.Duration(i) * time.Second), Power: p, HeartRate: 150, Cadence: 90, Speed: 8, Distance: float64(i) * 8})
	}
	return Input{
		Activities:   acts,
		Profile:      data.Profile{Name: "Test", FTP: 250, LTHR: 170, MaxHR: 190, WeightKg: 70},
		Rides:        []data.Ride{{File: "ride.fit", Start: start, Samples: samples}},
		PeriodMonths: 1,
	}
}

func TestAnalyzeFixture(t *testing.T) {
	agg, err := Analyze(fixture())
	if err != nil {
		t.Fatal(err)
	}
	// Period: 10 June back one month, exclusive -> 11 May to 10 June, 31 days.
	if agg.Period.From != "2025-05-11" || agg.Period.To != "2025-06-10" || agg.Period.Days != 31 {
		t.Errorf("period = %+v", agg.Period)
	}
	// TSS: 100 (1 h at FTP), 128 (2 h at IF 0.8), 121.5 (1.5 h at IF 0.9; FTP from the profile).
	wantTSS := map[int]float64{1: 100, 2: 128, 3: 121.5}
	if len(agg.Activities) != 3 {
		t.Fatalf("activities in period = %d, want 3", len(agg.Activities))
	}
	for _, a := range agg.Activities {
		near(t, "TSS of "+a.Name, a.TSS, wantTSS[a.ID], 1e-9)
	}
	tot := agg.Totals
	if tot.Rides != 3 || tot.IndoorRides != 1 {
		t.Errorf("rides = %d (%d indoor), want 3 (1)", tot.Rides, tot.IndoorRides)
	}
	near(t, "hours", tot.Hours, 4.5, 1e-9)
	near(t, "km", tot.Km, 135, 1e-9)
	near(t, "TSS", tot.TSS, 349.5, 1e-9)
	near(t, "elevation", tot.ElevationM, 600, 1e-9)
	// Averages over 31/7 weeks: 4.5 h -> 1.02, 349.5 TSS -> 78.9, 135 km -> 30.5.
	near(t, "avg weekly hours", tot.AvgWeeklyHours, 1.02, 1e-9)
	near(t, "avg weekly TSS", tot.AvgWeeklyTSS, 78.9, 1e-9)
	near(t, "avg weekly km", tot.AvgWeeklyKm, 30.5, 1e-9)
	// Time-weighted IF: (1.0*3600 + 0.8*7200 + 0.9*5400) / 16200 = 0.878.
	near(t, "avg IF", tot.AvgIF, 0.878, 1e-9)

	// Weeks from Monday 5 May to Monday 9 June: 6 weeks, the last two with rides.
	if len(agg.Weekly) != 6 || agg.Weekly[0].Start != "2025-05-05" {
		t.Fatalf("weekly = %+v", agg.Weekly)
	}
	w1, w2 := agg.Weekly[4], agg.Weekly[5]
	if w1.Start != "2025-06-02" || w1.Rides != 2 || w1.Hours != 3 || w1.Km != 90 || w1.TSS != 228 || w1.ElevationM != 300 {
		t.Errorf("week of 2 June = %+v", w1)
	}
	if w2.Start != "2025-06-09" || w2.Rides != 1 || w2.Hours != 1.5 || w2.Km != 45 || w2.TSS != 121.5 {
		t.Errorf("week of 9 June = %+v", w2)
	}

	// CTL/ATL from 1 April (the old ride, 100 TSS) to 10 June; checked
	// against the recurrence computed step by step.
	ctl, atl := 0.0, 0.0
	day0 := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	tss := map[string]float64{"2025-04-01": 100, "2025-06-02": 100, "2025-06-04": 128, "2025-06-10": 121.5}
	for d := day0; !d.After(time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		x := tss[d.Format("2006-01-02")]
		ctl += (x - ctl) / 42
		atl += (x - atl) / 7
	}
	near(t, "CTL", agg.Current.CTL, ctl, 0.006)
	near(t, "ATL", agg.Current.ATL, atl, 0.006)
	near(t, "TSB", agg.Current.TSB, ctl-atl, 0.006)
	if agg.Current.Date != "2025-06-10" || len(agg.Load) != 31 {
		t.Errorf("current = %+v, %d days of load", agg.Current, len(agg.Load))
	}

	// Zones from the recording: 10 s at 0 W (Z1), 1500 s at 210 W (Z3: 188-224 W);
	// HR 150 bpm is Z2 (138-152) of LTHR 170.
	if agg.PowerZones[0].Seconds != 10 || agg.PowerZones[2].Seconds != 1500 {
		t.Errorf("power zones = %+v", agg.PowerZones)
	}
	if agg.HRZones[1].Seconds != 1510 || agg.HRZones[1].Percent != 100 {
		t.Errorf("HR zones = %+v", agg.HRZones)
	}
	// FTP trend: May has no rides (profile FTP), June: setting 250, best 20 min 210 W, estimate 199.5 -> 200.
	if len(agg.FTPTrend) != 2 {
		t.Fatalf("ftp trend = %+v", agg.FTPTrend)
	}
	june := agg.FTPTrend[1]
	if june.Month != "2025-06" || june.FTPSetting != 250 || june.Best20MinW != 210 || june.EstimatedFTP != 200 || june.WattsPerKg != 3.57 {
		t.Errorf("June FTP = %+v", june)
	}
	if agg.Recordings.MatchedToCSV != 1 || agg.Recordings.Samples != 1510 {
		t.Errorf("recordings = %+v", agg.Recordings)
	}
	// Ride 3 reports 90 TSS but computes to 121.5: a warning, not an error.
	if len(agg.Warnings) != 1 {
		t.Errorf("warnings = %q, want one about activity 3", agg.Warnings)
	}
	if agg.TopRides[0].ID != 2 {
		t.Errorf("hardest ride = %+v, want id 2", agg.TopRides[0])
	}
}
