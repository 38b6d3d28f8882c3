package data

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Profile is the athlete profile JSON.
type Profile struct {
	Name                  string   `json:"name"`
	Age                   int      `json:"age"`
	Sex                   string   `json:"sex,omitempty"`
	WeightKg              float64  `json:"weight_kg"`
	FTP                   float64  `json:"ftp"`
	MaxHR                 float64  `json:"max_hr"`
	LTHR                  float64  `json:"lthr"`
	RestingHR             float64  `json:"resting_hr,omitempty"`
	ExperienceYears       float64  `json:"experience_years,omitempty"`
	AvailableHoursPerWeek float64  `json:"available_hours_per_week"`
	TrainingDaysPerWeek   int      `json:"training_days_per_week,omitempty"`
	PreferredLongRideDay  string   `json:"preferred_long_ride_day,omitempty"`
	Goals                 []string `json:"goals"`
	Equipment             []string `json:"equipment,omitempty"`
}

// LoadProfile reads and validates the athlete profile.
func LoadProfile(path string) (Profile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("read athlete profile: %w", err)
	}
	var p Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		return Profile{}, fmt.Errorf("%s: invalid JSON: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Validate checks the fields the analysis depends on.
func (p Profile) Validate() error {
	var problems []string
	if p.FTP <= 0 || p.FTP > 1000 {
		problems = append(problems, fmt.Sprintf("ftp must be 1-1000 W, got %v", p.FTP))
	}
	if p.MaxHR <= 0 && p.LTHR <= 0 {
		problems = append(problems, "need max_hr or lthr for heart-rate zones")
	}
	if p.MaxHR < 0 || p.MaxHR > 250 || p.LTHR < 0 || p.LTHR > 250 {
		problems = append(problems, "max_hr and lthr must be 0-250 bpm")
	}
	if p.MaxHR > 0 && p.LTHR > p.MaxHR {
		problems = append(problems, fmt.Sprintf("lthr %v is above max_hr %v", p.LTHR, p.MaxHR))
	}
	if p.WeightKg < 0 || p.WeightKg > 250 {
		problems = append(problems, fmt.Sprintf("weight_kg must be 0-250, got %v", p.WeightKg))
	}
	if p.AvailableHoursPerWeek < 0 || p.AvailableHoursPerWeek > 60 {
		problems = append(problems, fmt.Sprintf("available_hours_per_week must be 0-60, got %v", p.AvailableHoursPerWeek))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid athlete profile: %s", strings.Join(problems, "; "))
	}
	return nil
}
