//go:build unix

// Command mutate is a small mutation tester. It makes one small change (a
// mutant) at a time to the Go files it is given, runs a package's tests
// against each, and reports which mutants the tests kill and which survive:
// a surviving mutant is a behaviour no test checks.
//
// Usage, from the module root:
//
//	go run ./internal/tools/mutate [flags] FILE...
//
// For example:
//
//	go run ./internal/tools/mutate -pkg ./recommend -equivalent .ci/mutate-equivalent.txt recommend/resolve.go recommend/evaluate.go
//
// No source file is ever written: each mutant is a copy of one file in a
// temporary folder, laid over the original with go test -overlay, so an
// interrupted run leaves the tree as it was. By default the run also works
// on a snapshot, a copy of the module made when it starts, so that edits to
// the tree while it runs cannot change its results. The temporary folder
// is removed on exit, and on an interrupt. It runs on Unix systems, where
// it can stop a test run with all its processes.
//
// The mutations, each inside function bodies only:
//
//   - comparisons: == and != swapped; < to <= and >=, <= to < and >, and
//     so on (the boundary moved, and the comparison negated);
//   - logic: && and || swapped, and each operand of && or || kept alone;
//   - arithmetic: + and - swapped, * and / swapped, % to *;
//   - conditions: an if condition that is not a comparison negated, and a
//     ! removed;
//   - statements: a call, an assignment (not a :=), ++ or --, a break,
//     continue, an if, or a return that is not a function's last statement,
//     removed; break and continue swapped; ++ and -- swapped; a return at the
//     start of a function without results;
//   - calls: a call with one argument, other than to a builtin, replaced by
//     its argument (slices.Compact(out) to out);
//   - constants: 0 to 1, 1 to 0, another integer n to n+1, true and false
//     swapped, a non-empty string to "".
//
// A mutant the tests fail on is killed; one that makes the tests time out
// is killed too (a hang is a detected change). One that does not compile
// is not viable and not counted. The score is killed / (killed +
// survived), over the mutants not listed as equivalent.
//
// An equivalent mutant changes the code but not its behaviour, so no test
// can kill it. List each under -equivalent, one a line, as its key (the
// text the tool prints in brackets), then " -- " and why it is equivalent.
// Lines starting with # are comments. A key names the file, the function,
// the trimmed source line, the column within it and the mutation, so it
// survives edits elsewhere in the file; a key that no longer matches a
// mutant is reported as stale. A key that ends in "*" covers every mutant
// whose key starts with the text before it: a whole line, such as
// `build.go:*Engine.build: "nRec++"*`, or a whole function, such as
// `build.go:slab: *`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config holds the command-line flags.
type config struct {
	pkg        string
	runRE      string
	timeout    time.Duration
	short      bool
	jobs       int
	list       bool
	only       string
	equivalent string
	verbose    bool
	snapshot   bool
	// dir is the folder go test runs in: the current folder, or the same
	// folder in the snapshot.
	dir string
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.pkg, "pkg", "", "package whose tests run against each mutant (default: the folder of the first file)")
	fs.StringVar(&cfg.runRE, "run", "", "run only the tests matching this regexp (go test -run)")
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "time limit of one mutant's test run; a mutant that hits it is killed")
	fs.BoolVar(&cfg.short, "short", true, "run the tests with -short")
	fs.IntVar(&cfg.jobs, "j", 1, "mutants tested at once")
	fs.BoolVar(&cfg.list, "list", false, "list the mutants and exit without testing them")
	fs.StringVar(&cfg.only, "only", "", "test only the mutants whose number or key matches this regexp")
	fs.StringVar(&cfg.equivalent, "equivalent", "", "file of known equivalent mutants: key -- reason, one a line")
	fs.BoolVar(&cfg.verbose, "v", false, "print the test output of every surviving mutant")
	fs.BoolVar(&cfg.snapshot, "snapshot", true, "test a copy of the module made at the start, so that edits to the tree while the run lasts do not change its results")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mutate [flags] FILE...\n\nMutates each Go FILE in turn and runs the package tests against every mutant.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		return 2
	}
	for i, f := range files {
		// Paths are used relative to the current folder, in the tree or
		// in its snapshot.
		if filepath.IsAbs(f) {
			if files[i], err = filepath.Rel(cwd, f); err != nil {
				fmt.Fprintf(stderr, "mutate: %v\n", err)
				return 2
			}
		}
	}
	if cfg.pkg == "" {
		cfg.pkg = "./" + filepath.ToSlash(filepath.Dir(files[0]))
	}
	if cfg.jobs < 1 {
		cfg.jobs = 1
	}
	var only *regexp.Regexp
	if cfg.only != "" {
		var err error
		if only, err = regexp.Compile(cfg.only); err != nil {
			fmt.Fprintf(stderr, "mutate: -only: %v\n", err)
			return 2
		}
	}
	equiv := map[string]string{}
	if cfg.equivalent != "" {
		var err error
		if equiv, err = readEquivalent(cfg.equivalent); err != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", err)
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	cfg.dir = cwd
	if cfg.snapshot && !cfg.list {
		if cfg.dir, err = snapshot(cfg.dir, filepath.Join(tmp, "module")); err != nil {
			fmt.Fprintf(stderr, "mutate: snapshot: %v\n", err)
			return 2
		}
	}

	var all []*mutant
	srcs := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join(cfg.dir, f))
		if err != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", err)
			return 2
		}
		ms, err := generate(f, src)
		if err != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", err)
			return 2
		}
		srcs[f] = src
		all = append(all, ms...)
	}
	for i, m := range all {
		m.n = i + 1
	}
	var todo []*mutant
	for _, m := range all {
		if only == nil || only.MatchString(strconv.Itoa(m.n)) || only.MatchString(m.key) {
			todo = append(todo, m)
		}
	}
	if cfg.list {
		for _, m := range todo {
			fmt.Fprintf(stdout, "%4d %s:%d:%d %s  [%s]\n", m.n, m.file, m.line, m.col, m.op, m.key)
		}
		return 0
	}

	fmt.Fprintf(stdout, "mutate: %d mutants in %s; tests: go %s\n", len(todo), strings.Join(files, ", "), strings.Join(testArgs(&cfg, ""), " "))
	start := time.Now()
	base := runTests(ctx, &cfg, "")
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "mutate: interrupted")
		return 130
	}
	if base.status != survived {
		fmt.Fprintf(stderr, "mutate: the tests fail without any mutant; fix them first:\n%s\n", base.output)
		return 2
	}
	fmt.Fprintf(stdout, "mutate: the tests pass unmutated in %s\n", time.Since(start).Round(100*time.Millisecond))

	// Test the mutants, cfg.jobs at a time, printing each outcome in order.
	results := make([]chan outcome, len(todo))
	for i := range results {
		results[i] = make(chan outcome, 1)
	}
	sem := make(chan struct{}, cfg.jobs)
	var wg sync.WaitGroup
	go func() {
		for i, m := range todo {
			sem <- struct{}{}
			if ctx.Err() != nil {
				results[i] <- outcome{status: interrupted}
				<-sem
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				results[i] <- testMutant(ctx, &cfg, tmp, m, srcs[m.file], i)
			}()
		}
	}()
	counts := map[status]int{}
	var survivors []*mutant
	matchedEquiv := map[string]bool{}
	for i, m := range todo {
		o := <-results[i]
		if o.status == interrupted || ctx.Err() != nil {
			wg.Wait()
			fmt.Fprintln(stderr, "mutate: interrupted; no source file was changed")
			printSummary(stdout, counts, survivors, equiv, nil, time.Since(start))
			return 130
		}
		st := o.status
		entry, reason, isEquiv := lookupEquivalent(equiv, m.key)
		if isEquiv {
			matchedEquiv[entry] = true
			if st == survived {
				st = equivalent
			}
		}
		counts[st]++
		detail := o.detail
		if st == equivalent {
			detail = reason
		}
		if isEquiv && st != equivalent && st != notViable {
			detail += " (listed as equivalent, but " + st.String() + ")"
		}
		fmt.Fprintf(stdout, "%-10s %4d %s:%d:%d %s  [%s]", st, m.n, m.file, m.line, m.col, m.op, m.key)
		if detail != "" {
			fmt.Fprintf(stdout, "  %s", detail)
		}
		fmt.Fprintln(stdout)
		if st == survived {
			survivors = append(survivors, m)
			if cfg.verbose {
				fmt.Fprintf(stdout, "%s\n", indent(o.output))
			}
		}
	}
	wg.Wait()
	var stale []string
	if only == nil {
		// An entry for one of these files that matched no mutant is stale.
		bases := map[string]bool{}
		for _, f := range files {
			bases[filepath.Base(f)] = true
		}
		for k := range equiv {
			if file, _, _ := strings.Cut(k, ":"); bases[file] && !matchedEquiv[k] {
				stale = append(stale, k)
			}
		}
		sort.Strings(stale)
	}
	printSummary(stdout, counts, survivors, equiv, stale, time.Since(start))
	if counts[survived] > 0 {
		return 1
	}
	return 0
}

// snapshot copies the module that holds the folder cwd to dst, leaving out
// .git, compiled test binaries (*.test) and anything that is not a regular
// file or a folder, and returns the folder in the copy that matches cwd.
func snapshot(cwd, dst string) (string, error) {
	root := cwd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("no go.mod in %s or above", cwd)
		}
		root = parent
	}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular() || strings.HasSuffix(d.Name(), ".test"):
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, cwd)
	if err != nil {
		return "", err
	}
	return filepath.Join(dst, rel), nil
}

func printSummary(w io.Writer, counts map[status]int, survivors []*mutant, equiv map[string]string, stale []string, took time.Duration) {
	killed := counts[killed] + counts[timedOut]
	scored := killed + counts[survived]
	fmt.Fprintf(w, "\nmutate: %d killed (%d by timeout), %d survived, %d equivalent, %d not viable (do not compile); %s\n",
		killed, counts[timedOut], counts[survived], counts[equivalent], counts[notViable], took.Round(time.Second))
	if scored > 0 {
		fmt.Fprintf(w, "mutate: score %d/%d = %.1f%% of the non-equivalent mutants killed\n", killed, scored, 100*float64(killed)/float64(scored))
	}
	if len(survivors) > 0 {
		fmt.Fprintln(w, "mutate: survivors (add a test that kills each, or list it with -equivalent and why):")
		for _, m := range survivors {
			fmt.Fprintf(w, "  %s:%d:%d %s  [%s]\n", m.file, m.line, m.col, m.op, m.key)
		}
	}
	for _, k := range stale {
		fmt.Fprintf(w, "mutate: stale equivalent entry, no such mutant: %s\n", k)
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// lookupEquivalent returns the entry of equiv that covers the mutant with
// key, and its reason: the entry equal to key, or else the longest entry
// ending in "*" whose text before the "*" starts key.
func lookupEquivalent(equiv map[string]string, key string) (entry, reason string, ok bool) {
	if reason, ok := equiv[key]; ok {
		return key, reason, true
	}
	for k, r := range equiv {
		prefix, isPrefix := strings.CutSuffix(k, "*")
		if isPrefix && strings.HasPrefix(key, prefix) && len(k) > len(entry) {
			entry, reason, ok = k, r, true
		}
	}
	return entry, reason, ok
}

// readEquivalent reads a file of "key -- reason" lines.
func readEquivalent(name string) (map[string]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, ok := strings.Cut(line, " -- ")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"key -- reason\"", name, n)
		}
		out[strings.TrimSpace(key)] = strings.TrimSpace(reason)
	}
	return out, sc.Err()
}

// status is the outcome of testing one mutant.
type status int

const (
	survived status = iota
	killed
	timedOut
	notViable
	equivalent
	interrupted
)

func (s status) String() string {
	return [...]string{"SURVIVED", "KILLED", "TIMEOUT", "NOT-VIABLE", "EQUIVALENT", "INTERRUPTED"}[s]
}

type outcome struct {
	status status
	detail string // the first failing test, or why it is not viable
	output string
}

// testArgs are the go test arguments for one run; overlay is the overlay
// file, or "" for none.
func testArgs(cfg *config, overlay string) []string {
	args := []string{"test", "-count=1", "-vet=off", "-failfast", "-timeout=" + cfg.timeout.String()}
	if cfg.short {
		args = append(args, "-short")
	}
	if cfg.runRE != "" {
		args = append(args, "-run="+cfg.runRE)
	}
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	return append(args, cfg.pkg)
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// runTests runs the package tests with overlay, and kills the whole process
// group when ctx is done or the run takes a minute longer than the test
// binary's own time limit.
func runTests(ctx context.Context, cfg *config, overlay string) outcome {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout+time.Minute)
	defer cancel()
	cmd := exec.Command("go", testArgs(cfg, overlay)...)
	cmd.Dir = cfg.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return outcome{status: notViable, detail: err.Error()}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// go test runs in its own process group: kill it with the test
		// binary it started.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return outcome{status: timedOut, detail: "killed after " + (cfg.timeout + time.Minute).String(), output: out.String()}
		}
		return outcome{status: interrupted}
	}
	text := out.String()
	switch {
	case err == nil:
		return outcome{status: survived, output: text}
	case strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
		return outcome{status: notViable, detail: firstCompileError(text), output: text}
	case strings.Contains(text, "panic: test timed out"):
		return outcome{status: timedOut, detail: "test timed out", output: text}
	}
	detail := ""
	if m := failLine.FindStringSubmatch(text); m != nil {
		detail = m[1]
	} else if strings.Contains(text, "panic:") {
		detail = "panic"
	}
	return outcome{status: killed, detail: detail, output: text}
}

func firstCompileError(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		return strings.TrimSpace(line)
	}
	return ""
}

// testMutant writes mutant m of src to its own file under tmp and runs the
// tests with it laid over the original.
func testMutant(ctx context.Context, cfg *config, tmp string, m *mutant, src []byte, slot int) outcome {
	abs := filepath.Join(cfg.dir, m.file)
	dir := filepath.Join(tmp, strconv.Itoa(slot))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outcome{status: notViable, detail: err.Error()}
	}
	defer os.RemoveAll(dir)
	mutated := filepath.Join(dir, filepath.Base(m.file))
	if err := os.WriteFile(mutated, m.apply(src), 0o644); err != nil {
		return outcome{status: notViable, detail: err.Error()}
	}
	ov, err := json.Marshal(map[string]map[string]string{"Replace": {abs: mutated}})
	if err != nil {
		return outcome{status: notViable, detail: err.Error()}
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		return outcome{status: notViable, detail: err.Error()}
	}
	return runTests(ctx, cfg, overlay)
}

// mutant is one change to one file: the bytes [start, end) replaced by repl.
type mutant struct {
	n          int
	file       string
	line, col  int
	op         string
	key        string
	start, end int
	repl       string
}

func (m *mutant) apply(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(m.repl))
	out = append(out, src[:m.start]...)
	out = append(out, m.repl...)
	return append(out, src[m.end:]...)
}

// generator collects the mutants of one file.
type generator struct {
	file string
	src  []byte
	fset *token.FileSet
	tf   *token.File
	fn   string
	out  []*mutant
	seen map[string]bool
}

// generate returns the mutants of the Go file name, whose contents are src,
// in source order.
func generate(name string, src []byte) ([]*mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &generator{file: name, src: src, fset: fset, tf: fset.File(f.Pos()), seen: map[string]bool{}}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		g.fn = fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			g.fn = recvName(fd.Recv.List[0].Type) + "." + g.fn
		}
		if fd.Type.Results == nil || len(fd.Type.Results.List) == 0 {
			if len(fd.Body.List) > 0 {
				at := g.off(fd.Body.Lbrace) + 1
				g.add(fd.Body.Lbrace, at, at, "\nreturn\n", "return early")
			}
		}
		g.body(fd.Body)
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].start < g.out[j].start })
	return g.out, nil
}

func recvName(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return "*" + recvName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvName(t.X)
	}
	return "?"
}

func (g *generator) off(p token.Pos) int { return g.tf.Offset(p) }

func (g *generator) text(n ast.Node) string {
	return string(g.src[g.off(n.Pos()):g.off(n.End())])
}

// add records a mutant that replaces [start, end) with repl; at is the
// position reported for it.
func (g *generator) add(at token.Pos, start, end int, repl, op string) {
	pos := g.fset.Position(at)
	line := lineAt(g.src, pos.Offset)
	trimmed := strings.TrimLeft(line, " \t")
	col := pos.Column - (len(line) - len(trimmed))
	key := fmt.Sprintf("%s:%s: %q@%d %s", filepath.Base(g.file), g.fn, strings.TrimSpace(trimmed), col, op)
	for n := 2; g.seen[key]; n++ {
		key = fmt.Sprintf("%s:%s: %q@%d %s #%d", filepath.Base(g.file), g.fn, strings.TrimSpace(trimmed), col, op, n)
	}
	g.seen[key] = true
	g.out = append(g.out, &mutant{file: g.file, line: pos.Line, col: pos.Column, op: op, key: key, start: start, end: end, repl: repl})
}

func lineAt(src []byte, off int) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return string(src[start:])
	}
	return string(src[start : off+end])
}

// binaryFlips lists, for each operator, what it is mutated to.
var binaryFlips = map[token.Token][]token.Token{
	token.EQL:  {token.NEQ},
	token.NEQ:  {token.EQL},
	token.LSS:  {token.LEQ, token.GEQ},
	token.LEQ:  {token.LSS, token.GTR},
	token.GTR:  {token.GEQ, token.LEQ},
	token.GEQ:  {token.GTR, token.LSS},
	token.LAND: {token.LOR},
	token.LOR:  {token.LAND},
	token.ADD:  {token.SUB},
	token.SUB:  {token.ADD},
	token.MUL:  {token.QUO},
	token.QUO:  {token.MUL},
	token.REM:  {token.MUL},
}

func isComparison(e ast.Expr) bool {
	b, ok := ast.Unparen(e).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch b.Op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	}
	return false
}

// body walks a function body and records its mutants.
func (g *generator) body(body *ast.BlockStmt) {
	discarded := map[*ast.CallExpr]bool{} // calls whose result is not used
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			if call, ok := n.X.(*ast.CallExpr); ok {
				discarded[call] = true
			}
		case *ast.FuncLit:
			// Walked as part of the enclosing function.
		case *ast.BinaryExpr:
			if isStringConcat(n) {
				break
			}
			for _, to := range binaryFlips[n.Op] {
				s := g.off(n.OpPos)
				g.add(n.OpPos, s, s+len(n.Op.String()), to.String(), n.Op.String()+" -> "+to.String())
			}
			if n.Op == token.LAND || n.Op == token.LOR {
				g.add(n.OpPos, g.off(n.Pos()), g.off(n.End()), g.text(n.X), "keep left of "+n.Op.String())
				g.add(n.OpPos, g.off(n.Pos()), g.off(n.End()), g.text(n.Y), "keep right of "+n.Op.String())
			}
		case *ast.UnaryExpr:
			if n.Op == token.NOT {
				g.add(n.OpPos, g.off(n.OpPos), g.off(n.OpPos)+1, "", "remove !")
			}
		case *ast.IfStmt:
			if !isComparison(n.Cond) {
				if _, isNot := ast.Unparen(n.Cond).(*ast.UnaryExpr); !isNot {
					g.add(n.Cond.Pos(), g.off(n.Cond.Pos()), g.off(n.Cond.End()), "!("+g.text(n.Cond)+")", "negate condition")
				}
			}
		case *ast.BlockStmt:
			g.stmts(n.List, n == body)
		case *ast.CaseClause:
			g.stmts(n.Body, false)
		case *ast.IncDecStmt:
			to := token.DEC
			if n.Tok == token.DEC {
				to = token.INC
			}
			s := g.off(n.TokPos)
			g.add(n.TokPos, s, s+2, to.String(), n.Tok.String()+" -> "+to.String())
		case *ast.BranchStmt:
			if n.Label == nil && (n.Tok == token.BREAK || n.Tok == token.CONTINUE) {
				to := token.BREAK
				if n.Tok == token.BREAK {
					to = token.CONTINUE
				}
				g.add(n.Pos(), g.off(n.Pos()), g.off(n.End()), to.String(), n.Tok.String()+" -> "+to.String())
			}
		case *ast.CallExpr:
			// A call that filters or transforms its one argument, such as
			// slices.Compact(out), replaced by that argument. Calls to
			// builtins are left alone; conversions and calls whose result
			// has another type do not compile, and are not counted.
			if len(n.Args) == 1 && n.Ellipsis == token.NoPos && !isBuiltin(n.Fun) && !discarded[n] {
				g.add(n.Pos(), g.off(n.Pos()), g.off(n.End()), g.text(n.Args[0]), "call -> its argument")
			}
		case *ast.BasicLit:
			g.literal(n)
		case *ast.Ident:
			if n.Name == "true" || n.Name == "false" {
				to := map[string]string{"true": "false", "false": "true"}[n.Name]
				g.add(n.Pos(), g.off(n.Pos()), g.off(n.End()), to, n.Name+" -> "+to)
			}
		}
		return true
	})
}

var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true,
	"new": true, "panic": true, "print": true, "println": true, "real": true, "recover": true,
}

func isBuiltin(fun ast.Expr) bool {
	id, ok := fun.(*ast.Ident)
	return ok && builtins[id.Name]
}

// isStringConcat reports whether b adds string literals, which only
// concatenation can do.
func isStringConcat(b *ast.BinaryExpr) bool {
	if b.Op != token.ADD {
		return false
	}
	for _, e := range []ast.Expr{b.X, b.Y} {
		if l, ok := ast.Unparen(e).(*ast.BasicLit); ok && l.Kind == token.STRING {
			return true
		}
		if inner, ok := ast.Unparen(e).(*ast.BinaryExpr); ok && isStringConcat(inner) {
			return true
		}
	}
	return false
}

func (g *generator) literal(l *ast.BasicLit) {
	s, e := g.off(l.Pos()), g.off(l.End())
	switch l.Kind {
	case token.INT:
		v, err := strconv.ParseInt(l.Value, 10, 64)
		if err != nil {
			return // hex, octal and the like are left alone
		}
		to := v + 1
		switch v {
		case 0:
			to = 1
		case 1:
			to = 0
		}
		g.add(l.Pos(), s, e, strconv.FormatInt(to, 10), fmt.Sprintf("%d -> %d", v, to))
	case token.STRING:
		if v, err := strconv.Unquote(l.Value); err == nil && v != "" {
			g.add(l.Pos(), s, e, `""`, "string -> \"\"")
		}
	}
}

// stmts records the removal of each statement of a list that can go
// without breaking the build; last says the list is a function's body,
// whose final return must stay.
func (g *generator) stmts(list []ast.Stmt, funcBody bool) {
	for i, st := range list {
		switch st := st.(type) {
		case *ast.ExprStmt:
			if _, ok := st.X.(*ast.CallExpr); !ok {
				continue
			}
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				continue
			}
		case *ast.IncDecStmt, *ast.BranchStmt, *ast.IfStmt:
		case *ast.ReturnStmt:
			if funcBody && i == len(list)-1 {
				continue
			}
		default:
			continue
		}
		g.add(st.Pos(), g.off(st.Pos()), g.off(st.End()), "", "remove statement")
	}
}
