package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/profile/basetype"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"
	"github.com/muktihari/fit/profile/untyped/mesgnum"
	"github.com/muktihari/fit/proto"
)

// Sample is one record of a FIT recording. A field the device did not
// record is -1.
type Sample struct {
	Time      time.Time
	Power     float64 // W
	HeartRate float64 // bpm
	Cadence   float64 // rpm
	Speed     float64 // m/s
	Distance  float64 // m
}

// Ride is one decoded FIT activity file.
type Ride struct {
	File    string // base name
	Start   time.Time
	Samples []Sample
}

// Duration is the elapsed time from the first to the last record.
func (r Ride) Duration() time.Duration {
	if len(r.Samples) == 0 {
		return 0
	}
	return r.Samples[len(r.Samples)-1].Time.Sub(r.Samples[0].Time)
}

// LoadFITDir decodes every *.fit file in dir, sorted by name.
func LoadFITDir(dir string) ([]Ride, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.fit"))
	if err != nil {
		return nil, fmt.Errorf("list FIT files: %w", err)
	}
	upper, _ := filepath.Glob(filepath.Join(dir, "*.FIT"))
	paths = append(paths, upper...)
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("FIT directory: %w", err)
		}
		return nil, nil
	}
	sort.Strings(paths)

	rides := make([]Ride, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rides[i], errs[i] = LoadFIT(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rides, nil
}

// recordCollector keeps the file_id type and the records of a FIT file.
type recordCollector struct {
	fileType typedef.File
	samples  []Sample
}

func (c *recordCollector) OnMesg(m proto.Message) {
	switch m.Num {
	case mesgnum.FileId:
		c.fileType = mesgdef.NewFileId(&m).Type
	case mesgnum.Record:
		r := mesgdef.NewRecord(&m)
		if r.Timestamp.IsZero() {
			return
		}
		s := Sample{Time: r.Timestamp, Power: -1, HeartRate: -1, Cadence: -1, Speed: -1, Distance: -1}
		if r.Power != basetype.Uint16Invalid {
			s.Power = float64(r.Power)
		}
		if r.HeartRate != basetype.Uint8Invalid {
			s.HeartRate = float64(r.HeartRate)
		}
		if r.Cadence != basetype.Uint8Invalid {
			s.Cadence = float64(r.Cadence)
		}
		if r.EnhancedSpeed != basetype.Uint32Invalid {
			s.Speed = r.EnhancedSpeedScaled()
		} else if r.Speed != basetype.Uint16Invalid {
			s.Speed = r.SpeedScaled()
		}
		if r.Distance != basetype.Uint32Invalid {
			s.Distance = r.DistanceScaled()
		}
		c.samples = append(c.samples, s)
	}
}

// LoadFIT decodes one FIT activity file with github.com/muktihari/fit.
func LoadFIT(path string) (Ride, error) {
	f, err := os.Open(path)
	if err != nil {
		return Ride{}, fmt.Errorf("open FIT file: %w", err)
	}
	defer f.Close()
	c := &recordCollector{fileType: typedef.FileInvalid}
	dec := decoder.New(f, decoder.WithMesgListener(c), decoder.WithBroadcastOnly())
	if _, err := dec.Decode(); err != nil {
		return Ride{}, fmt.Errorf("%s: not a valid FIT file: %w", path, err)
	}
	if c.fileType != typedef.FileActivity {
		return Ride{}, fmt.Errorf("%s: FIT file type is %s, want activity", path, c.fileType)
	}
	if len(c.samples) == 0 {
		return Ride{}, fmt.Errorf("%s: FIT activity has no records", path)
	}
	sort.SliceStable(c.samples, func(i, j int) bool { return c.samples[i].Time.Before(c.samples[j].Time) })
	return Ride{File: filepath.Base(path), Start: c.samples[0].Time, Samples: c.samples}, nil
}
