module github.com/servin/servin

go 1.26.0
