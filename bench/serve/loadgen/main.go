// The load generator of bench/serve_bench.ts: HTTP/1.1 keep-alive POSTs of prepared JSON bodies,
// standard library only. Three modes:
//
//	open    requests at a fixed rate, each on its own goroutine, latency measured from the time
//	        the request was scheduled (not sent), so a stalled server cannot hide its stall
//	        (no coordinated omission)
//	closed  N connections, each sending its next request when the last answer arrived
//	batch   closed loop over batch bodies, reporting rows per second
//
// It prints one JSON object with the counts and latency percentiles in milliseconds.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Mode        string  `json:"mode"`
	Sent        int64   `json:"sent"`
	OK          int64   `json:"ok"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	RowsPerSec  float64 `json:"rows_per_second,omitempty"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	P999        float64 `json:"p999_ms"`
	Max         float64 `json:"max_ms"`
	FirstStatus int     `json:"first_bad_status,omitempty"`
	FirstError  string  `json:"first_error,omitempty"`
}

type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	ok        atomic.Int64
	errors    atomic.Int64
	badStatus atomic.Int64
	firstErr  atomic.Value
}

func (r *recorder) record(latency time.Duration, status int, err error) {
	if err != nil {
		r.errors.Add(1)
		r.firstErr.CompareAndSwap(nil, err.Error())
		return
	}
	if status != http.StatusOK {
		r.errors.Add(1)
		r.badStatus.CompareAndSwap(0, int64(status))
		return
	}
	r.ok.Add(1)
	r.mu.Lock()
	r.latencies = append(r.latencies, latency)
	r.mu.Unlock()
}

func (r *recorder) result(mode string, sent int64, elapsed time.Duration, rows int) result {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pick := func(q float64) float64 {
		if len(r.latencies) == 0 {
			return 0
		}
		index := int(q * float64(len(r.latencies)-1))
		return float64(r.latencies[index].Microseconds()) / 1000
	}
	out := result{
		Mode: mode, Sent: sent, OK: r.ok.Load(), Errors: r.errors.Load(),
		Seconds: elapsed.Seconds(), PerSecond: float64(r.ok.Load()) / elapsed.Seconds(),
		P50: pick(0.5), P99: pick(0.99), P999: pick(0.999), Max: pick(1),
		FirstStatus: int(r.badStatus.Load()),
	}
	if first, ok := r.firstErr.Load().(string); ok {
		out.FirstError = first
	}
	if rows > 0 {
		out.RowsPerSec = out.PerSecond * float64(rows)
	}
	return out
}

func readBodies(path string) [][]byte {
	file, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer file.Close()
	var bodies [][]byte
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		bodies = append(bodies, append([]byte(nil), scanner.Bytes()...))
	}
	if err := scanner.Err(); err != nil {
		fail(err)
	}
	if len(bodies) == 0 {
		fail(fmt.Errorf("no bodies in %s", path))
	}
	return bodies
}

func client(connections int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        connections,
			MaxIdleConnsPerHost: connections,
			MaxConnsPerHost:     connections,
			DisableCompression:  true,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}

func post(c *http.Client, url string, body []byte) (int, error) {
	request, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := c.Do(request)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, response.Body)
	response.Body.Close()
	return response.StatusCode, err
}

func openLoop(url string, bodies [][]byte, rate int, duration time.Duration) result {
	c := client(1024)
	rec := &recorder{}
	interval := time.Second / time.Duration(rate)
	total := int64(duration / interval)
	start := time.Now()
	var wg sync.WaitGroup
	for i := int64(0); i < total; i++ {
		scheduled := start.Add(time.Duration(i) * interval)
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(body []byte) {
			defer wg.Done()
			status, err := post(c, url, body)
			rec.record(time.Since(scheduled), status, err)
		}(bodies[i%int64(len(bodies))])
	}
	wg.Wait()
	return rec.result("open", total, time.Since(start), 0)
}

func closedLoop(mode, url string, bodies [][]byte, connections int, duration time.Duration, rows int) result {
	c := client(connections)
	rec := &recorder{}
	var sent atomic.Int64
	deadline := time.Now().Add(duration)
	start := time.Now()
	var wg sync.WaitGroup
	for worker := 0; worker < connections; worker++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for i := worker; time.Now().Before(deadline); i += connections {
				sent.Add(1)
				began := time.Now()
				status, err := post(c, url, bodies[i%len(bodies)])
				rec.record(time.Since(began), status, err)
			}
		}(worker)
	}
	wg.Wait()
	return rec.result(mode, sent.Load(), time.Since(start), rows)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

func main() {
	mode := flag.String("mode", "open", "open, closed or batch")
	url := flag.String("url", "", "the endpoint to POST to")
	bodiesPath := flag.String("bodies", "", "a file of request bodies, one JSON document per line")
	rate := flag.Int("rate", 1000, "open loop: requests per second")
	connections := flag.Int("connections", 16, "closed and batch: concurrent connections")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	rows := flag.Int("rows", 0, "batch: rows per body")
	flag.Parse()
	if *url == "" || *bodiesPath == "" {
		fail(fmt.Errorf("-url and -bodies are required"))
	}
	bodies := readBodies(*bodiesPath)
	var out result
	switch *mode {
	case "open":
		out = openLoop(*url, bodies, *rate, *duration)
	case "closed", "batch":
		out = closedLoop(*mode, *url, bodies, *connections, *duration, *rows)
	default:
		fail(fmt.Errorf("unknown mode %q", *mode))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
