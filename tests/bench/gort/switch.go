// switch.go — the Go twin of bench_switch.c: two goroutines taking turns with
// runtime.Gosched on GOMAXPROCS=1, ns per switch.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

func main() {
	n := 2000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	runtime.GOMAXPROCS(1)
	var stop int32
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
			runtime.Gosched()
		}
	}()
	runtime.Gosched()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	el := time.Since(t0)
	atomic.StoreInt32(&stop, 1)
	fmt.Printf("%.2f\n", float64(el.Nanoseconds())/float64(2*n))
}
