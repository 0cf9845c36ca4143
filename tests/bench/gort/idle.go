// idle.go — the Go twin of bench_idle.c: N goroutines blocked on one channel, RSS growth per
// goroutine in bytes (from /proc/self/statm, as the C side measures it).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	fmt.Sscanf(string(b), "%d %d", &size, &res)
	return res * int64(os.Getpagesize())
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	c := make(chan struct{})
	var up, down sync.WaitGroup
	time.Sleep(time.Millisecond)
	r0 := rss()
	up.Add(n)
	down.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			up.Done()
			<-c
			down.Done()
		}()
	}
	up.Wait()
	time.Sleep(10 * time.Millisecond)
	per := float64(rss()-r0) / float64(n)
	close(c)
	down.Wait()
	fmt.Printf("%.1f\n", per)
}
