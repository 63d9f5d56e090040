// limits.go holds the bound on the memory a run may take, which memory.go checks the network
// against and mnist.go a data file, and how such sizes are printed.

package main

import "fmt"

// maxMemory is the most a run may need by memory.go's count: 4 GiB, a sixth of this machine and
// half of a small laptop. Past it the program refuses to start.
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
