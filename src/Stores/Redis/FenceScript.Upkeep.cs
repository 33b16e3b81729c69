namespace ContactCenter.Stores.Redis;

/// <summary>The fence script's section for grouped counts and time in state (joined into <see cref="FenceScript.Source"/>).</summary>
internal static partial class FenceScript
{
    /// <summary>
    /// Grouped counts and time in state (<see cref="AgentTableUpkeep"/>): when the call's last ARGV (before a generation's)
    /// is 'c', the one before it is the length L of the section before it: the number of counts, per count its marker
    /// field, its number of fields and the fields, then the time-in-state field ('' for none). Each count's key (its shard
    /// in this call's slot on a cluster) is in KEYS before the generation's cut-over key. A count moves only inside an
    /// applied write, from the group the agent's marker names to the group of its new fields.
    /// </summary>
    private const string Upkeep = """
        local counts, stateField = {}, nil
        if ARGV[nargs] == 'c' then
          local len = tonumber(ARGV[nargs - 1])
          local i = nargs - 1 - len
          local nc = tonumber(ARGV[i])
          local kfirst = #KEYS - nc
          if ARGV[#ARGV] == 'g' then kfirst = kfirst - 1 end
          i = i + 1
          for c = 1, nc do
            local by = {}
            for b = 1, tonumber(ARGV[i + 1]) do by[b] = ARGV[i + 1 + b] end
            counts[c] = { key = KEYS[kfirst + c], marker = ARGV[i], by = by }
            i = i + 2 + #by
          end
          if ARGV[i] ~= '' then stateField = ARGV[i] end
          nargs = nargs - 2 - len
        end
        local function decr(key, group)
          if redis.call('HINCRBY', key, group, -1) <= 0 then redis.call('HDEL', key, group) end
        end
        local function fmt(x) return string.format('%.0f', x) end
        -- A field of the write by name: a scan of its few fields costs less than a table per write.
        local function argOf(name, first, last)
          for i = first, last, 2 do
            if ARGV[i] == name then return ARGV[i + 1] end
          end
          return nil
        end
        -- The hash fields the upkeep reads: asked in the fence's own HMGET, after the write's fields.
        local upAsk, upKeep = {}, {}
        for c = 1, #counts do upAsk[c] = counts[c].marker; upKeep[c] = counts[c].marker end
        if stateField then
          upAsk[#upAsk + 1] = stateField
          for _, f in ipairs({ 'statusSince', 'timeInDay', 'timeIn' }) do upAsk[#upAsk + 1] = f; upKeep[#upKeep + 1] = f end
        end
        -- What the upkeep holds in the agent hash, from the fence's HMGET starting at position 'from'.
        local function upkeepHeld(held, from)
          if #upAsk == 0 then return nil end
          local mine, present = {}, 0
          for j = 1, #upAsk do
            local v = held[from + j - 1]
            if v == false then v = nil elseif not (stateField and j == #counts + 1) then present = present + 1 end
            mine[j] = v
          end
          return { held = mine, present = present, keep = upKeep }
        end
        -- A deleted agent leaves its groups.
        local function upkeepDelete(up)
          for c = 1, #counts do
            if up.held[c] then decr(counts[c].key, up.held[c]) end
          end
        end
        -- An applied upsert: moves counts whose group changed and the time in state; adds to the HSET list, deletes the
        -- fields that go. Returns the new list length and whether it deleted any.
        local function upkeepWrite(hkey, up, set, n, first, last, t)
          local gone, held = {}, up.held
          for c = 1, #counts do
            local def, group = counts[c], ''
            for b = 1, #def.by do
              local v = argOf(def.by[b], first, last)
              if v == nil or v == '' then group = nil; break end
              if b > 1 then group = group .. '|' end
              group = group .. v
            end
            local was = held[c]
            if was ~= group then
              if was then decr(def.key, was) end
              if group then
                redis.call('HINCRBY', def.key, group, 1)
                set[n + 1] = def.marker; set[n + 2] = group; n = n + 2
              else
                gone[#gone + 1] = def.marker
              end
            end
          end
          if stateField then
            local k = #counts
            local old, since, day0, totals0 = held[k + 1], held[k + 2], held[k + 3], held[k + 4]
            local now = argOf(stateField, first, last)
            if now == '' then now = nil end
            if old == '' then old = nil end
            if old ~= now or (now and not since) then
              local tn = tonumber(t)
              local day = tn - tn % 86400000
              local totals, names = {}, {}
              if day0 and totals0 and tonumber(day0) == day then
                for name, ms in string.gmatch(totals0, '([^=;]+)=(%d+)') do totals[name] = tonumber(ms); names[#names + 1] = name end
              end
              if old and since and old ~= now then
                local from = math.max(tonumber(since), day)
                if tn > from then
                  if not totals[old] then totals[old] = 0; names[#names + 1] = old end
                  totals[old] = totals[old] + (tn - from)
                end
              end
              if now then set[n + 1] = 'statusSince'; set[n + 2] = t; n = n + 2 elseif since then gone[#gone + 1] = 'statusSince' end
              set[n + 1] = 'timeInDay'; set[n + 2] = fmt(day); n = n + 2
              if #names > 0 then
                table.sort(names)
                local parts = {}
                for j, name in ipairs(names) do parts[j] = name .. '=' .. fmt(totals[name]) end
                set[n + 1] = 'timeIn'; set[n + 2] = table.concat(parts, ';'); n = n + 2
              elseif totals0 then
                gone[#gone + 1] = 'timeIn'
              end
            end
          end
          if #gone > 0 then redis.call('HDEL', hkey, unpack(gone)) end
          return n, #gone > 0
        end
        """;
}
