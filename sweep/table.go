package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// Header returns the CSV column names: index, lambda_h, lambda_w, c,
// regime, rank, active, min_loss, train_mse, shrinkage_1 … shrinkage_n,
// nrc1, nrc2, nrc3, nrc3_gamma, then check_NAME and check_NAME_digits for
// each check that ran. A deep table (DeepTable) has s_1 … s_n (the optimal
// singular values) after the shrinkage columns, which hold s_j/t_j there.
func (t *Table) Header() []string {
	h := []string{"index", "lambda_h", "lambda_w", "c", "regime", "rank", "active", "min_loss", "train_mse"}
	for j := 1; j <= t.N; j++ {
		h = append(h, fmt.Sprintf("shrinkage_%d", j))
	}
	if t.Deep != nil {
		for j := 1; j <= t.N; j++ {
			h = append(h, fmt.Sprintf("s_%d", j))
		}
	}
	h = append(h, "nrc1", "nrc2", "nrc3", "nrc3_gamma")
	for _, name := range t.checkNames() {
		h = append(h, "check_"+name, "check_"+name+"_digits")
	}
	return h
}

// checkNames returns the names of the checks that ran, in order of first
// appearance.
func (t *Table) checkNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range t.Points {
		for _, c := range p.Checks {
			if !seen[c.Name] {
				seen[c.Name] = true
				names = append(names, c.Name)
			}
		}
	}
	return names
}

// record returns point p's CSV row. λ and c are exact (a terminating
// decimal, else p/q); other numbers carry their justified digits; an
// undefined value is an empty field.
func (t *Table) record(p *Point) []string {
	r := []string{strconv.Itoa(p.Index), ExactText(p.LambdaH), ExactText(p.LambdaW), ExactText(p.C),
		string(p.Regime), strconv.Itoa(p.Rank), strconv.Itoa(p.Active), p.MinLoss.Text(), p.TrainMSE.Text()}
	for _, s := range p.Shrinkage {
		r = append(r, s.Text())
	}
	for _, s := range p.S {
		r = append(r, s.Text())
	}
	r = append(r, p.NRC1.Text(), p.NRC2.Text(), p.NRC3.Text(), p.NRC3Gamma.Text())
	for _, name := range t.checkNames() {
		status, digits := "", ""
		for _, c := range p.Checks {
			if c.Name != name {
				continue
			}
			status = c.Status
			if c.Err != "" {
				status = "error"
			}
			if c.Digits != nil {
				digits = strconv.Itoa(*c.Digits)
			}
		}
		r = append(r, status, digits)
	}
	return r
}

// WriteCSV writes the table: a header row, then one row per point.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header()); err != nil {
		return err
	}
	for k := range t.Points {
		if err := cw.Write(t.record(&t.Points[k])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExactText writes a rational exactly: as a decimal when it terminates
// (at most 60 significant digits), else as "p/q"; nil (a deep instance's
// λ_l not swept, see DeepTable) is "".
func ExactText(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	den := new(big.Int).Set(r.Denom())
	two, five := big.NewInt(2), big.NewInt(5)
	a, b := 0, 0
	var m big.Int
	for m.Mod(den, two).Sign() == 0 {
		den.Quo(den, two)
		a++
	}
	for m.Mod(den, five).Sign() == 0 {
		den.Quo(den, five)
		b++
	}
	if den.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	k := max(a, b)
	// num·10^k/den is an integer.
	scaled := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
	scaled.Mul(scaled, r.Num())
	scaled.Quo(scaled, r.Denom())
	neg := scaled.Sign() < 0
	digits := new(big.Int).Abs(scaled).String()
	trimmed := strings.TrimRight(digits, "0")
	exp := len(digits) - len(trimmed) - k // value = trimmed · 10^exp
	if len(trimmed) > 60 {
		return r.RatString()
	}
	s := sciText(trimmed, exp)
	if neg {
		s = "-" + s
	}
	return s
}

// sciText formats the integer mant·10^exp as a short decimal.
func sciText(mant string, exp int) string {
	e := exp + len(mant) - 1 // decimal exponent of the leading digit
	if e >= -6 && e < 21 {
		f, _ := new(big.Rat).SetString(mant + "e" + strconv.Itoa(exp))
		return f.FloatString(max(0, -exp))
	}
	s := mant[:1]
	if len(mant) > 1 {
		s += "." + mant[1:]
	}
	return s + "e" + strconv.Itoa(e)
}

// jsonTable is the document written to table.json.
type jsonTable struct {
	Name        string      `json:"name"`
	N           int         `json:"n"`
	D           int         `json:"d"`
	M           int         `json:"samples"`
	Bias        string      `json:"bias"`
	Digits      int         `json:"digits"`
	Sigma       []*string   `json:"sigma_eigenvalues"`
	LambdaHAxis []string    `json:"lambda_h_axis"`
	LambdaWAxis []string    `json:"lambda_w_axis"`
	Log         bool        `json:"log"`
	Checked     int         `json:"checked_points"`
	Interrupted bool        `json:"interrupted"`
	Planned     int         `json:"planned_points"`
	Points      []jsonPoint `json:"points"`
	Deep        *jsonDeep   `json:"deep,omitempty"`
}

// jsonDeep is DeepTable in table.json.
type jsonDeep struct {
	K          int       `json:"k"`
	DataTerm   string    `json:"data_term"`
	Cap        int       `json:"cap"`
	Thresholds []*string `json:"thresholds_c"`
}

type jsonPoint struct {
	Index     int         `json:"index"`
	LambdaH   string      `json:"lambda_h"`
	LambdaW   string      `json:"lambda_w"`
	C         string      `json:"c"`
	CExact    string      `json:"c_exact"`
	Regime    string      `json:"regime"`
	Rank      int         `json:"rank"`
	Active    int         `json:"active_directions"`
	MinLoss   *string     `json:"min_loss"`
	TrainMSE  *string     `json:"train_mse"`
	Shrinkage []*string   `json:"shrinkage"`
	S         []*string   `json:"singular_values,omitempty"`
	NRC1      *string     `json:"nrc1"`
	NRC2      *string     `json:"nrc2"`
	NRC3      *string     `json:"nrc3"`
	NRC3Gamma *string     `json:"nrc3_gamma"`
	Checks    []jsonCheck `json:"checks"`
	Notes     []string    `json:"notes"`
}

type jsonCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Digits *int   `json:"digits"`
	Detail string `json:"detail"`
	Error  string `json:"error,omitempty"`
}

func jsonValue(v Value) *string {
	if v.X == nil {
		return nil
	}
	s := v.Text()
	return &s
}

// JSON returns the table as the document table.json holds (and `ufm sweep
// --json` prints): numbers as decimal strings with their justified
// digits, null when undefined.
func (t *Table) JSON() any {
	doc := jsonTable{Name: t.Name, N: t.N, D: t.D, M: t.M, Bias: t.Bias, Digits: t.Digits,
		Log: t.H.Log || t.W.Log, Checked: t.Checked, Interrupted: t.Interrupted, Planned: t.Planned,
		Points: make([]jsonPoint, len(t.Points))}
	for _, s := range t.Sigma {
		doc.Sigma = append(doc.Sigma, jsonValue(s))
	}
	if d := t.Deep; d != nil {
		doc.Deep = &jsonDeep{K: d.K, DataTerm: d.DataTerm, Cap: d.Cap, Thresholds: []*string{}}
		for _, v := range d.Thresholds {
			doc.Deep.Thresholds = append(doc.Deep.Thresholds, jsonValue(v))
		}
	}
	for _, v := range t.H.Values {
		doc.LambdaHAxis = append(doc.LambdaHAxis, ExactText(v))
	}
	for _, v := range t.W.Values {
		doc.LambdaWAxis = append(doc.LambdaWAxis, ExactText(v))
	}
	for k := range t.Points {
		p := &t.Points[k]
		jp := jsonPoint{Index: p.Index, LambdaH: ExactText(p.LambdaH), LambdaW: ExactText(p.LambdaW),
			C: p.CValue.Text(), CExact: p.C.RatString(), Regime: string(p.Regime), Rank: p.Rank, Active: p.Active,
			MinLoss: jsonValue(p.MinLoss), TrainMSE: jsonValue(p.TrainMSE),
			NRC1: jsonValue(p.NRC1), NRC2: jsonValue(p.NRC2), NRC3: jsonValue(p.NRC3), NRC3Gamma: jsonValue(p.NRC3Gamma),
			Checks: []jsonCheck{}, Notes: p.Notes}
		if jp.Notes == nil {
			jp.Notes = []string{}
		}
		for _, s := range p.Shrinkage {
			jp.Shrinkage = append(jp.Shrinkage, jsonValue(s))
		}
		for _, s := range p.S {
			jp.S = append(jp.S, jsonValue(s))
		}
		for _, c := range p.Checks {
			jp.Checks = append(jp.Checks, jsonCheck{Name: c.Name, Status: c.Status, Digits: c.Digits, Detail: c.Detail, Error: c.Err})
		}
		doc.Points[k] = jp
	}
	return doc
}

// WriteJSON writes JSON() indented.
func (t *Table) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(t.JSON(), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
