package decode

import (
	"os"
	"path/filepath"
	"testing"
)

// addGoldenSeeds adds the printer package's golden print jobs as seeds.
func addGoldenSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.bin"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}
