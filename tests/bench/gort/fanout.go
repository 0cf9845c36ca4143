// fanout.go — the Go twin of bench_fanout.c: the same xorshift work over 64 goroutines at
// GOMAXPROCS = P (second argument); prints the seconds it took.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const chunks = 64

var sink [chunks]uint64

func chunk(id int, work int, wg *sync.WaitGroup) {
	x := uint64(id) + 1
	for i := 0; i < work/chunks; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	sink[id] = x
	wg.Done()
}

func main() {
	work := 400000000
	p := runtime.NumCPU()
	if len(os.Args) > 2 {
		work, _ = strconv.Atoi(os.Args[1])
		p, _ = strconv.Atoi(os.Args[2])
	}
	runtime.GOMAXPROCS(p)
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(chunks)
	for i := 0; i < chunks; i++ {
		go chunk(i, work, &wg)
	}
	wg.Wait()
	fmt.Printf("%.4f\n", time.Since(t0).Seconds())
}
