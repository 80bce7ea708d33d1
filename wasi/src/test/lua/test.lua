-- Kiln's Lua test script: the language and standard library, errors caught by pcall (a longjmp:
-- a Wasm exception under Kiln), files in the current directory. Prints only deterministic things.
print("hello from " .. _VERSION)
print(1 + 2, 7 // 2, 7 % -3, 2^10, 10 / 4, math.maxinteger, math.mininteger, 1e300 * 1e10, -0.0)
print(string.format("%5.2f|%g|%e|%x|%q|%s|%10s|%-5d|", math.pi, 1/3, 12345.678, 255, "a\nb", nil, "right", 42))
print(string.format("%.14g %.3f %a", 0.1 + 0.2, 2/3, 1.0))
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-7), math.max(3, 9, 1), math.fmod(7, 3), math.tointeger(3.0))
print(tostring(1/0), tostring(-1/0), tostring(0/0) == tostring(0/0), math.type(1), math.type(1.0), math.type("1"))

local t = {}
for i = 1, 100 do t[i] = (i * 7919) % 101 end
table.sort(t)
print("sorted", t[1], t[50], t[100], #t, table.concat(t, ",", 1, 10))
table.sort(t, function(a, b) return a > b end)
print("desc", t[1], t[100])
print(table.unpack({1, 2, 3}))
print(select("#", nil, nil), select(2, "a", "b", "c"))

local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w:upper() end
print(table.concat(words, " "), ("hello world"):gsub("o", "0"), ("abc"):rep(3, "-"), ("Lua"):byte(1, -1))
print(string.find("hello", "l+"), string.match("key=value", "(%w+)=(%w+)"), ("%d items"):format(3))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #"häll€")
print(string.pack("<i4", 100):byte(1, -1), string.unpack("<i4", string.pack("<i4", -2)))

local mt = {__add = function(a, b) return setmetatable({v = a.v + b.v}, getmetatable(a)) end,
            __tostring = function(a) return "V(" .. a.v .. ")" end,
            __index = function(_, k) return k .. "?" end}
local a, b = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
print(tostring(a + b), a.missing)

local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
print(c1(), c1(), c1(), c2())

local co = coroutine.create(function(x, y)
  local z = coroutine.yield(x + y)
  local w = coroutine.yield(z * 2)
  return w .. "!"
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, "done"))
print(coroutine.resume(co))
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
print(gen(), gen(), gen())

-- errors: raised in Lua and in C, caught, nested, with values, in coroutines
print(pcall(error, "plain"))
print(type(select(2, pcall(error, {code = 42}))))
print(select(2, pcall(error, {code = 42})).code)
print(pcall(function() local x = nil; return x.field end))
print(pcall(function() return 1 + {} end))
print(pcall(string.rep))
print(xpcall(function() error("deep") end, function(m) return "handled: " .. m end))
print(pcall(pcall, error, "nested"))
local ok, err = pcall(function()
  local ok2, err2 = pcall(error, "inner")
  error("outer after " .. tostring(err2), 0)
end)
print(ok, err)
local function recurse(n) return recurse(n + 1) + 1 end
local ok3, err3 = pcall(recurse, 1)
print("stack overflow caught", ok3, err3:match("stack overflow") ~= nil)
local coe = coroutine.create(function() error("in coroutine") end)
print(coroutine.resume(coe))
print(select("#", pcall(error)))
for i = 1, 2000 do pcall(error, i) end
print("2000 errors later", collectgarbage("count") > 0)

-- goto, integer loops, string building
local s = {}
for i = 1, 10 do
  if i % 3 == 0 then goto continue end
  s[#s + 1] = i
  ::continue::
end
print(table.concat(s, " "))
local fib = {1, 1}
for i = 3, 80 do fib[i] = fib[i - 1] + fib[i - 2] end
print(fib[80], fib[80] // 1000000, string.format("%.3e", fib[80]))

-- files in the current directory (a preopen under Kiln)
local f = assert(io.open("lua-test.txt", "w"))
for i = 1, 5 do f:write("line ", i, " ", i * i, "\n") end
f:close()
local sum, lines = 0, 0
for line in io.lines("lua-test.txt") do
  lines = lines + 1
  sum = sum + tonumber(line:match("(%d+)$"))
end
print("read back", lines, sum)
local h = assert(io.open("lua-test.txt", "r"))
print(h:seek("end"), h:seek("set", 5), h:read(1), h:read("n"), h:read("l"))
h:close()
local nf, nerr = io.open("no-such-file.txt")  -- errno numbers differ between libcs
print(nf, nerr)
print(os.remove("lua-test.txt"), os.remove("lua-test.txt") == nil)
print(os.getenv("KILN_LUA"), os.getenv("KILN_NOT_SET"), type(os.time()), type(os.clock()))
print(os.date("!%Y-%m-%d %H:%M:%S", 1700000000))
print(#arg, arg[1], arg[2])
io.write("no newline at the end")
