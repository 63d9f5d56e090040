// limits.go holds the bound on the memory a run may take, which memory.go checks the network
// against and mnist.go a data file, and how such sizes are printed (bytesString, joinInts).

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// maxMemory is the most a run may need by memory.go's count: 4 GiB, a sixth of the 24 GB of the
// machine the program was developed on (an AMD EPYC with 2 CPUs) and half of a laptop with 8 GB.
// Past it the program refuses to start.
const maxMemory = 4 << 30

// bytesString writes a size in bytes the way people read it: 1.6 GB, 34 GB, 820 MB.
func bytesString(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.3g GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.3g MB", b/1e6)
	}
	return fmt.Sprintf("%.3g kB", b/1e3)
}

// joinInts writes 784, 20, 10 as "784-20-10": the way a network's Sizes are shown, in the first
// lines of a run, in report.html's settings, by -explain and in memory.go's refusals.
func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}
