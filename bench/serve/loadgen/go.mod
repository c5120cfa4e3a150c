module sluice/serve-loadgen

go 1.26
