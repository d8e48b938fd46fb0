module inline

go 1.19
