package ufm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// extmodWant is what testdata/extmod prints. The numbers were computed
// independently: L* = (√3 − ½) + (√(4/3) − ½) + 1/6 = 2.0534180…, the
// training MSE 2c + σ₃ = 7/3, tr Σ = 14/3 (by hand), and NRC3 of
// A* ∝ diag(√3 − 1, √(4/3) − 1, 0) against Σ = diag(3, 4/3, 1/3):
// 0.0648687… at γ = σ_min = 1/3 (mpmath, 40 digits, grid and golden
// section over γ).
var extmodWant = []string{
	"theory: regime partial, rank 2, L* = 2.05342",
	"solver: converged true, L = 2.05342",
	"verify: agree",
	"metrics: NRC1 0, NRC2 below 1e-15 true, NRC3 = 0.06487 at γ = 0.3333",
	"claim mse-below-trace: holds (MSE 2.33333 ≤ tr Σ 4.66667)",
}

// TestExternalModule builds and runs testdata/extmod as a module of its
// own (a copy whose replace directive points here, with this module's
// go.sum), so that the library is used exactly as an outside program uses
// it: a public function that needs a type from an internal package, or an
// example that only compiles inside the module, fails this test. No
// network is needed once the module cache holds this module's
// dependencies.
func TestExternalModule(t *testing.T) {
	out, err := runExtmod(t, "")
	if err != nil {
		t.Fatalf("the external program failed: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(got, "\n") != strings.Join(extmodWant, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(extmodWant, "\n"))
	}
}

// TestExternalModuleRefusesInternal: the harness really builds outside the
// module — the same program importing an internal package does not build.
func TestExternalModuleRefusesInternal(t *testing.T) {
	out, err := runExtmod(t, "github.com/nrc-ufm/ufm/internal/ratmat")
	if err == nil || !strings.Contains(out, "use of internal package") {
		t.Fatalf("a program outside the module imported an internal package: err %v\n%s", err, out)
	}
}

// runExtmod copies testdata/extmod to a temporary directory, points its
// replace directive at this module, adds extraImport (if any) to main.go,
// and runs it with go run.
func runExtmod(t *testing.T, extraImport string) (string, error) {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "testdata", "extmod", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if extraImport != "" {
		src = []byte(strings.Replace(string(src), "import (\n", "import (\n\t_ \""+extraImport+"\"\n", 1))
	}
	mod, err := os.ReadFile(filepath.Join(root, "testdata", "extmod", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod = []byte(strings.Replace(string(mod), "=> ../..", "=> "+root, 1))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"main.go": src, "go.mod": mod, "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	cmd := exec.Command(goCmd, "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
