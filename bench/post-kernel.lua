-- wrk script: POST the kernel in $AIRLOCK_BENCH_KERNEL as a multipart submission
local path = os.getenv("AIRLOCK_BENCH_KERNEL")
local f = assert(io.open(path, "rb"))
local src = f:read("*a")
f:close()
local boundary = "airlockbench"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
-- an operator's token (no quota): ./airlock token issue --user bench --role operator
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("AIRLOCK_TOKEN"), "set AIRLOCK_TOKEN")
wrk.body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nkernel\r\n"
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"submission.py\"\r\n"
  .. "Content-Type: text/x-python\r\n\r\n" .. src .. "\r\n--" .. boundary .. "--\r\n"

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for s, n in pairs(statuses) do io.write(string.format("  HTTP %d: %d\n", s, n)) end
end
