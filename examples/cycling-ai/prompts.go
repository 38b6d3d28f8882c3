package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/analysis"
)

// prompt is the system and user text of one call.
type prompt struct {
	system string
	user   string
}

const coachSystem = "You are an experienced cycling coach and sports scientist. You explain training data " +
	"clearly to amateur athletes, ground every statement in the numbers you are given, and never invent data. " +
	"Write in Markdown with short headings and bullet lists."

// analysisPrompt is Phase 2: a performance analysis of the aggregates.
func analysisPrompt(a *analysis.Aggregates) prompt {
	var b strings.Builder
	fmt.Fprintf(&b, "Analyse the training of this athlete over the last %d months (%s to %s).\n\n", a.Period.Months, a.Period.From, a.Period.To)
	writeAthlete(&b, a)
	writeTotals(&b, a)
	writeWeekly(&b, a.Weekly)
	writeZones(&b, "Power zones (Coggan, from FIT recordings)", "W", a.PowerZones)
	writeZones(&b, "Heart-rate zones (from FIT recordings)", "bpm", a.HRZones)
	writeLoad(&b, a)
	writeFTP(&b, a)
	b.WriteString("\n## Hardest rides\n")
	for _, r := range a.TopRides {
		fmt.Fprintf(&b, "- %s %s: %.1f h, NP %.0f W, IF %.2f, TSS %.0f\n", r.Date, r.Name, r.Hours, r.NP, r.IF, r.TSS)
	}
	b.WriteString("\nWrite a performance analysis with these sections: Overview, Training volume and consistency, " +
		"Intensity distribution, Fitness/fatigue/form, FTP progression, Strengths, Limiters, Recommendations " +
		"(3-5 concrete, prioritised). Keep it under 600 words.\n")
	return prompt{system: coachSystem, user: b.String()}
}

// planPrompt is Phase 3: a training plan of weeks weeks, given the analysis.
func planPrompt(a *analysis.Aggregates, analysisText string, weeks int) prompt {
	var b strings.Builder
	fmt.Fprintf(&b, "Design a %d-week training plan for this athlete, starting next Monday.\n\n", weeks)
	writeAthlete(&b, a)
	fmt.Fprintf(&b, "\n## Current state\n- Fitness (CTL) %.1f, fatigue (ATL) %.1f, form (TSB) %.1f\n- Recent average: %.1f h and %.0f TSS per week\n",
		a.Current.CTL, a.Current.ATL, a.Current.TSB, a.Totals.AvgWeeklyHours, a.Totals.AvgWeeklyTSS)
	b.WriteString("\n## Power zones\n")
	for _, z := range a.PowerZones {
		fmt.Fprintf(&b, "- Z%d %s: %s W\n", z.Number, z.Name, zoneRange(z.Zone))
	}
	b.WriteString("\n## Heart-rate zones\n")
	for _, z := range a.HRZones {
		fmt.Fprintf(&b, "- Z%d %s: %s bpm\n", z.Number, z.Name, zoneRange(z.Zone))
	}
	b.WriteString("\n## Coach's analysis of the last months\n")
	b.WriteString(strings.TrimSpace(analysisText))
	fmt.Fprintf(&b, "\n\nFor each of the %d weeks give: the focus, target hours and target TSS, and the sessions day by day "+
		"(duration, structure with power zones or watts). Respect the available hours per week, put a recovery week "+
		"every third or fourth week, progress CTL by no more than 5-7 points per week, and finish with a short taper "+
		"if a goal event is named. End with how to judge progress (which numbers to watch).\n", weeks)
	return prompt{system: coachSystem, user: b.String()}
}

// summaryPrompt is Phase 4: the narrative of the summary report.
func summaryPrompt(a *analysis.Aggregates, analysisText, planText string, weeks int) prompt {
	var b strings.Builder
	b.WriteString("Write the executive summary for this athlete's training report: 3 to 5 short paragraphs for the athlete, " +
		"then a bullet list 'Next steps' with 3 items. Use the numbers below; do not repeat the whole analysis or plan.\n\n")
	writeAthlete(&b, a)
	writeTotals(&b, a)
	fmt.Fprintf(&b, "- Fitness (CTL) now %.1f (peak %.1f on %s), form (TSB) %.1f\n", a.Current.CTL, a.PeakCTL.CTL, a.PeakCTL.Date, a.Current.TSB)
	if n := len(a.FTPTrend); n > 0 {
		fmt.Fprintf(&b, "- FTP setting went from %.0f W to %.0f W\n", a.FTPTrend[0].FTPSetting, a.FTPTrend[n-1].FTPSetting)
	}
	b.WriteString("\n## Performance analysis\n")
	b.WriteString(clip(analysisText, 4000))
	fmt.Fprintf(&b, "\n\n## %d-week training plan\n", weeks)
	b.WriteString(clip(planText, 6000))
	b.WriteString("\n")
	return prompt{system: coachSystem, user: b.String()}
}

func writeAthlete(b *strings.Builder, a *analysis.Aggregates) {
	p := a.Athlete
	b.WriteString("## Athlete\n")
	fmt.Fprintf(b, "- %s, %d years, %.1f kg\n", p.Name, p.Age, p.WeightKg)
	fmt.Fprintf(b, "- FTP %.0f W", p.FTP)
	if p.WeightKg > 0 {
		fmt.Fprintf(b, " (%.2f W/kg)", p.FTP/p.WeightKg)
	}
	fmt.Fprintf(b, ", LTHR %.0f bpm, max HR %.0f bpm\n", p.LTHR, p.MaxHR)
	fmt.Fprintf(b, "- Available: %.1f h per week", p.AvailableHoursPerWeek)
	if p.TrainingDaysPerWeek > 0 {
		fmt.Fprintf(b, " over %d days", p.TrainingDaysPerWeek)
	}
	if p.PreferredLongRideDay != "" {
		fmt.Fprintf(b, ", long ride on %s", p.PreferredLongRideDay)
	}
	b.WriteString("\n")
	if len(p.Equipment) > 0 {
		fmt.Fprintf(b, "- Equipment: %s\n", strings.Join(p.Equipment, ", "))
	}
	for _, g := range p.Goals {
		fmt.Fprintf(b, "- Goal: %s\n", g)
	}
}

func writeTotals(b *strings.Builder, a *analysis.Aggregates) {
	t := a.Totals
	b.WriteString("\n## Totals for the period\n")
	fmt.Fprintf(b, "- %d rides (%d indoor), %.1f h, %.0f km, %.0f m climbing, %.0f kJ\n", t.Rides, t.IndoorRides, t.Hours, t.Km, t.ElevationM, t.Kilojoules)
	fmt.Fprintf(b, "- Total TSS %.0f; per week on average %.1f h, %.0f km, %.0f TSS; time-weighted IF %.2f\n", t.TSS, t.AvgWeeklyHours, t.AvgWeeklyKm, t.AvgWeeklyTSS, t.AvgIF)
}

func writeWeekly(b *strings.Builder, weeks []analysis.Week) {
	b.WriteString("\n## Weekly volume\n| week of | rides | hours | km | TSS |\n|---|---|---|---|---|\n")
	for _, w := range weeks {
		fmt.Fprintf(b, "| %s | %d | %.1f | %.0f | %.0f |\n", w.Start, w.Rides, w.Hours, w.Km, w.TSS)
	}
}

func writeZones(b *strings.Builder, title, unit string, zones []analysis.ZoneTime) {
	fmt.Fprintf(b, "\n## %s\n", title)
	for _, z := range zones {
		fmt.Fprintf(b, "- Z%d %s (%s %s): %.1f h, %.1f %%\n", z.Number, z.Name, zoneRange(z.Zone), unit, z.Seconds/3600, z.Percent)
	}
}

func writeLoad(b *strings.Builder, a *analysis.Aggregates) {
	b.WriteString("\n## Fitness (CTL, 42 d), fatigue (ATL, 7 d), form (TSB = CTL - ATL), every Sunday\n")
	for _, d := range a.Load {
		if d.Date == a.Current.Date || isSunday(d.Date) {
			fmt.Fprintf(b, "- %s: CTL %.1f, ATL %.1f, TSB %.1f\n", d.Date, d.CTL, d.ATL, d.TSB)
		}
	}
	fmt.Fprintf(b, "- Peak fitness: CTL %.1f on %s\n", a.PeakCTL.CTL, a.PeakCTL.Date)
}

func writeFTP(b *strings.Builder, a *analysis.Aggregates) {
	b.WriteString("\n## FTP trend (setting; best 20 min power and 95 % of it from recordings)\n")
	for _, m := range a.FTPTrend {
		fmt.Fprintf(b, "- %s: FTP %.0f W (%.2f W/kg)", m.Month, m.FTPSetting, m.WattsPerKg)
		if m.Best20MinW > 0 {
			fmt.Fprintf(b, ", best 20 min %.0f W -> estimated FTP %.0f W", m.Best20MinW, m.EstimatedFTP)
		}
		b.WriteString("\n")
	}
}

func zoneRange(z analysis.Zone) string {
	if z.Max == 0 {
		return fmt.Sprintf("%.0f+", z.Min)
	}
	return fmt.Sprintf("%.0f-%.0f", z.Min, z.Max-1)
}

func isSunday(date string) bool {
	t, err := time.Parse("2006-01-02", date)
	return err == nil && t.Weekday() == time.Sunday
}

// clip shortens s to about n bytes at a line break.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n], "\n")
	if cut < n/2 {
		cut = n
	}
	return s[:cut] + "\n[...]"
}
