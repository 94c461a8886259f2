module example.com/extmod

go 1.26.8

require github.com/nrc-ufm/ufm v0.0.0

replace github.com/nrc-ufm/ufm => ../..
