package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// benchPattern selects the in-process benchmark of a dashboard view (handlers/bench_test.go).
const benchPattern = "^BenchmarkDashboard$"

// benchAllocs is one benchmark's allocations per op.
type benchAllocs struct {
	name   string // e.g. BenchmarkDashboard/page
	allocs int
	bytes  int
}

// viewAllocs runs BenchmarkDashboard briefly (allocations per op do not depend on how long
// it runs) and returns the allocations per view it reports.
func viewAllocs(ctx context.Context) ([]benchAllocs, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^$", "-bench", benchPattern,
		"-benchmem", "-benchtime", "2000x", "./handlers")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	res := parseBenchAllocs(out.String())
	if len(res) == 0 {
		return nil, fmt.Errorf("%s: no allocs/op in its output\n%s", strings.Join(cmd.Args, " "), out.String())
	}
	return res, nil
}

// parseBenchAllocs reads "BenchmarkX/y-2  2000  26975 ns/op ... 14257 B/op  116 allocs/op" lines.
func parseBenchAllocs(out string) []benchAllocs {
	var res []benchAllocs
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		b := benchAllocs{name: f[0], allocs: -1}
		if i := strings.LastIndexByte(b.name, '-'); i > 0 {
			b.name = b.name[:i] // the GOMAXPROCS suffix
		}
		for i := 1; i < len(f); i++ {
			n, err := strconv.ParseFloat(f[i-1], 64)
			switch {
			case err != nil:
			case f[i] == "allocs/op":
				b.allocs = int(n)
			case f[i] == "B/op":
				b.bytes = int(n)
			}
		}
		if b.allocs >= 0 {
			res = append(res, b)
		}
	}
	return res
}
