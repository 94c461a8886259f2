package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSweepAgreesWithPredict is the bar of issue 14: every row of
// table.csv agrees, within the digits it prints, with `ufm predict` run on
// an instance file holding that row's λ (exactly as the table prints it).
func TestSweepAgreesWithPredict(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "partial-3x5.json")
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "sweep", src, "--lambda-h", "0.01:100:9", "--log", "--digits", "30", "--out", out, "--check-every", "4")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 spot-checked") || !strings.Contains(stderr, "9/9 points") {
		t.Errorf("report or progress missing:\n%s\n%s", stdout, stderr)
	}
	rows, col := readTableCSV(t, filepath.Join(out, "table.csv"))
	var base map[string]any
	raw, _ := os.ReadFile(src)
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, row := range rows[1:] {
		base["lambda_h"], base["lambda_w"] = row[col["lambda_h"]], row[col["lambda_w"]]
		b, _ := json.Marshal(base)
		file := writeFile(t, "point.json", string(b))
		code, pout, perr := runCmd(t, "predict", file, "--json", "--digits", "30")
		if code != exitOK {
			t.Fatalf("predict: %s", perr)
		}
		var p predictJSON
		if err := json.Unmarshal([]byte(pout), &p); err != nil {
			t.Fatal(err)
		}
		where := "λ_H = " + row[col["lambda_h"]]
		if row[col["regime"]] != p.Regime || row[col["rank"]] != strconv.Itoa(p.Rank) {
			t.Errorf("%s: %s rank %s, predict: %s rank %d", where, row[col["regime"]], row[col["rank"]], p.Regime, p.Rank)
		}
		agreeText(t, where+" c", row[col["c"]], p.C)
		agreeText(t, where+" min_loss", row[col["min_loss"]], p.MinLoss)
		agreeText(t, where+" train_mse", row[col["train_mse"]], p.TrainMSE)
		for j, s := range p.Shrinkage {
			agreeText(t, fmt.Sprintf("%s shrinkage_%d", where, j+1), row[col[fmt.Sprintf("shrinkage_%d", j+1)]], s)
		}
		if row[col["check_solver"]] != "" {
			checked++
			if row[col["check_solver"]] != "agree" {
				t.Errorf("%s: solver check %s", where, row[col["check_solver"]])
			}
		}
	}
	if checked != 3 {
		t.Errorf("%d rows checked, want 3", checked)
	}
	for _, f := range []string{"table.json", "loss.png", "loss.svg", "rank.png", "rank.svg", "shrinkage.png", "nrc3.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// agreeText: the table field (k significant digits) is within 10^(1−k)
// relative of predict's value (30 digits).
func agreeText(t *testing.T, what, field, ref string) {
	t.Helper()
	g, _, err1 := big.ParseFloat(field, 10, 200, big.ToNearestEven)
	r, _, err2 := big.ParseFloat(ref, 10, 200, big.ToNearestEven)
	if err1 != nil || err2 != nil {
		t.Errorf("%s: cannot read %q / %q", what, field, ref)
		return
	}
	if r.Sign() == 0 || g.Sign() == 0 {
		if r.Sign() != g.Sign() {
			t.Errorf("%s: %s vs predict %s", what, field, ref)
		}
		return
	}
	m := strings.TrimLeft(strings.ReplaceAll(strings.Split(field, "e")[0], ".", ""), "-0")
	k := len(m)
	diff := new(big.Float).Sub(g, r)
	diff.Quo(diff, r)
	d, _ := diff.Float64()
	if d < 0 {
		d = -d
	}
	if d > pow10(1-k) {
		t.Errorf("%s: table %s, predict %s (relative difference %.3g with %d digits printed)", what, field, ref, d, k)
	}
}

func pow10(e int) float64 {
	v := 1.0
	for ; e < 0; e++ {
		v /= 10
	}
	for ; e > 0; e-- {
		v *= 10
	}
	return v
}

// TestSweepBadInput: one line, exit 2, nothing written.
func TestSweepBadInput(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "partial-3x5.json")
	for _, args := range [][]string{
		{"sweep", src},
		{"sweep", src, "--lambda-h", "1:2"},
		{"sweep", src, "--lambda-h", "0:1:3", "--log"},
		{"sweep", src, "--lambda-h", "1:2:3", "--digits", "-1"},
		{"sweep", src, "--lambda-h", "1:2:300", "--check-every", "1"},
		{"sweep", src, "--lambda-h", "1:2:101", "--lambda-w", "1:2:101"},
		{"sweep", src, "--lambda-h", "1:2:3", "--check-cert"},
		{"sweep", "nonexistent.json", "--lambda-h", "1:2:3"},
		{"sweep", filepath.Join("..", "..", "examples", "regularized-bias-2x3.json"), "--lambda-h", "1:2:3"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := runCmd(t, append(args, "--out", out)...)
		if code != exitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "ufm: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", args, out)
		}
	}
}

// TestSweepDeep: `ufm sweep` on a deep instance (K = 3) runs, prints the
// thresholds c_j (σ = 4, 1, 1/4 and c/τ = 1/16 give c_j = 1, 1/16, 1/256),
// spot-checks through verify.Run (the solver agrees at the checked points),
// writes the s_j columns and the switch-off picture, and --lambda-w sets
// every layer's λ_l (c = λ_H·λ_l² in the c column).
func TestSweepDeep(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "deep-k3-3x8.json")
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "sweep", src, "--lambda-h", "2:12:3", "--lambda-w", "0.5:0.5:1", "--digits", "20", "--out", out, "--check-every", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"K = 3 factors", "c_1 = 1\n", "c_2 = 0.0625", "c_3 = 0.00390625", "2 spot-checked", "agree (20 digits)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	rows, col := readTableCSV(t, filepath.Join(out, "table.csv"))
	if _, ok := col["s_3"]; !ok || len(rows) != 4 {
		t.Fatalf("header %v, %d rows", rows[0], len(rows))
	}
	// λ_H = 2, 7, 12 with λ_1 = λ_2 = 1/2: c = λ_H/4 = 0.5, 1.75, 3; mode 1
	// (c_1 = 1) is on only in the first row.
	for i, want := range []struct{ c, rank string }{{"0.5", "1"}, {"1.75", "0"}, {"3", "0"}} {
		r := rows[i+1]
		if r[col["c"]] != want.c || r[col["rank"]] != want.rank || r[col["lambda_w"]] != "0.5" {
			t.Errorf("row %d: c %s rank %s λ_W %s, want %s %s 0.5", i, r[col["c"]], r[col["rank"]], r[col["lambda_w"]], want.c, want.rank)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "shrinkage.png")); err != nil {
		t.Error(err)
	}
}

// readTableCSV reads a table.csv of ufm sweep: its rows (the header first)
// and each column's index by name.
func readTableCSV(t *testing.T, path string) ([][]string, map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col
}
