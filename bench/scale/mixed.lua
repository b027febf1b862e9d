-- A mixed workload for wrk against one hub process: offender managers search listings and
-- approve sentence plans (which matches and offers each order); providers answer the offers
-- they get (four in five accepted, the rest declined) and report the start of accepted
-- orders (which pays the start milestone).
--
-- wrk -t C -c C -d 20s --latency -s bench/scale/mixed.lua http://127.0.0.1:PORT -- DATA INSTANCE INSTANCES
--
-- One connection per thread, so each thread's responses come back in the order of its
-- requests and a response can be matched to what was asked. DATA holds lines
--   om <area> <token>            an offender manager's token per area
--   provider <id> <token>        a token per provider
--   plan <id> <area>             a proposed plan to approve (each is approved once)
-- Plans are dealt out to the threads of all instances: instance i, thread t of T takes
-- every (i*T + t)-th plan.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local om, providers, plans, answers = {}, {}, {}, {}
local areas = {}
local last, pending_item = nil, nil
local next_plan = 1

function init(args)
  local data, instance, instances = args[1], tonumber(args[2]), tonumber(args[3])
  local total_threads = tonumber(args[4])
  local slot = instance * total_threads + tid
  local stride = instances * total_threads
  local n = 0
  for line in io.lines(data) do
    local kind, a, b = line:match("^(%S+) (%S+) (%S+)$")
    if kind == "om" then
      om[a] = b
      table.insert(areas, a)
    elseif kind == "provider" then
      providers[a] = b
    elseif kind == "plan" then
      if n % stride == slot then
        table.insert(plans, { id = a, area = b })
      end
      n = n + 1
    end
  end
  math.randomseed(os.time() + slot * 7919)
end

local function json_headers(token)
  return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  local r = math.random()
  if #answers > 0 and r < 0.35 then
    local item = table.remove(answers, 1)
    pending_item = item
    local token = providers[item.provider]
    if item.step == "answer" then
      if math.random() < 0.8 then
        last = "accept"
        return wrk.format("POST", "/v1/offers/" .. item.offer .. "/accept", json_headers(token), "")
      end
      last = "decline"
      return wrk.format("POST", "/v1/offers/" .. item.offer .. "/decline", json_headers(token),
        '{"reason": "no supervisor free that week"}')
    end
    last = "start"
    return wrk.format("POST", "/v1/orders/" .. item.order .. "/delivery-events", json_headers(token),
      '{"type": "started"}')
  end
  if next_plan <= #plans and r < 0.55 then
    local plan = plans[next_plan]
    next_plan = next_plan + 1
    last = "approve"
    return wrk.format("POST", "/v1/sentence-plans/" .. plan.id .. "/approve", json_headers(om[plan.area]), "")
  end
  local area = areas[math.random(#areas)]
  last = "search"
  return wrk.format("GET", "/v1/listings?area=" .. area .. "&category=unpaid_work&limit=20",
    { ["Authorization"] = "Bearer " .. om[area] }, nil)
end

function response(status, headers, body)
  if last == "approve" and status == 200 then
    -- The order's fields (keys come sorted: "ended_orders" and "kept_orders" first, then
    -- "orders", then "plan", which names providers in its quotes too, so only the orders
    -- part is read).
    local orders = body:match('"orders":%[(.*)%],"plan":') or ""
    local order = orders:match('"id":"(ord_%w+)"')
    local offer = orders:match('"(offer_%w+)"')
    local provider = orders:match('"provider_id":"(prv_%w+)"')
    if offer and provider and providers[provider] then
      table.insert(answers, { step = "answer", offer = offer, provider = provider, order = order })
    end
  elseif last == "accept" and status == 200 and pending_item and pending_item.order then
    table.insert(answers, { step = "start", provider = pending_item.provider, order = pending_item.order })
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'SCALE_RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
