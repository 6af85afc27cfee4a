using static Cooper.Data.Embedded.Draft;

namespace Cooper.Data.Embedded;

/// <summary>A story shape: its name (<c>data_source</c> = <c>cooper/arith-{name}</c>), the non-integer answer kinds it can ask for, and its writer.</summary>
internal sealed record Template(string Name, AnswerKind[] NonInteger, Action<Draft> Write);

/// <summary>
/// The embedded task's word-problem templates. Each writes a story in stages, one arithmetic step per
/// stage, and stops after <see cref="Draft.Steps"/> steps with a question about the last quantity;
/// non-integer kinds end with a share (fraction, percent) or a division that leaves a decimal.
/// Numbers are drawn at random and any draft that breaks a limit is thrown away (see <see cref="Draft"/>),
/// so the templates only say what a sensible story is, not how to keep every number in range.
/// </summary>
internal static class Templates
{
    public static readonly Template[] All =
    [
        new("shopping", [AnswerKind.Decimal, AnswerKind.Percent], Shopping),
        new("ages", [AnswerKind.Fraction, AnswerKind.Percent], Ages),
        new("work", [AnswerKind.Fraction, AnswerKind.Percent], Work),
        new("speed", [AnswerKind.Decimal], Speed),
        new("discount", [AnswerKind.Decimal, AnswerKind.Percent], Discount),
        new("sharing", [AnswerKind.Decimal, AnswerKind.Fraction], Sharing),
        new("recipe", [AnswerKind.Decimal, AnswerKind.Fraction], Recipe),
        new("savings", [AnswerKind.Decimal, AnswerKind.Percent], Savings),
        new("geometry", [AnswerKind.Decimal], Geometry),
        new("schedule", [AnswerKind.Decimal], Schedule),
        new("inventory", [AnswerKind.Fraction, AnswerKind.Percent], Inventory),
        new("units", [AnswerKind.Decimal], Units),
        new("averages", [AnswerKind.Decimal], Averages),
        new("classroom", [AnswerKind.Fraction, AnswerKind.Percent], Classroom),
    ];

    /// <summary>The fewest steps a non-integer ending takes: a fraction one, a percent two (share, then ×100).</summary>
    private static int EndingSteps(AnswerKind kind) => kind switch
    {
        AnswerKind.Fraction => 1,
        AnswerKind.Percent => 2,
        _ => 0,
    };

    /// <summary>A cent part for prices when the answer should be a decimal, none otherwise.</summary>
    private static decimal Cents(Draft d) => d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.5) ? d.Pick(0.25m, 0.5m, 0.75m) : 0;

    /// <summary>The smallest common bill above <paramref name="amount"/> (fails past $500).</summary>
    private static int Bill(Draft d, decimal amount)
    {
        foreach (var bill in (ReadOnlySpan<int>)[10, 20, 50, 100, 200, 500])
            if (bill > amount) return bill;
        d.Fail();
        return 0;
    }

    private static void Shopping(Draft d)
    {
        string n = d.Name(), item = d.Pick("pen", "cup", "book", "toy", "hat", "ball", "card", "mug"), extra = d.Pick("bag", "box", "map", "kite");
        int s = d.Steps;
        if (d.Kind == AnswerKind.Percent)
        {
            if (!d.Require(s >= 2)) return;
            int budget = d.Pick(20, 25, 50, 100);
            decimal spent;
            if (s == 2) { spent = d.R(1, budget - 1); d.Say($"{n} has {Money(budget)} and spends {Money(spent)}."); }
            else
            {
                int a = d.R(2, 6), p = d.R(2, 9);
                d.Say($"{n} has {Money(budget)} and buys {a} {item}s at {Money(p)} each.");
                spent = d.Calc("Cost", a, '*', p);
                if (s == 4) { int b = d.R(1, 9); d.Say($"{n} also buys a {extra} for {Money(b)}."); spent = d.Calc("Total", spent, '+', b); }
            }
            d.Say($"What percent of the money does {n} spend?");
            d.FinalPercent("Share", spent, budget);
            return;
        }
        decimal price = d.R(2, 15) + Cents(d);
        int count = d.R(2, 9);
        d.Say($"{n} buys {count} {item}s at {Money(price)} each.");
        var v = d.Calc("Cost", count, '*', price);
        var question = $"How much does {n} spend?";
        if (s >= 2) { int b = d.R(2, 20); d.Say($"{n} also buys a {extra} for {Money(b)}."); v = d.Calc("Total", v, '+', b); question = $"How much does {n} spend in all?"; }
        if (s >= 3) { int bill = Bill(d, v); d.Say($"{n} pays with a {Money(bill)} bill."); v = d.Calc("Change", bill, '-', v); question = $"How much change does {n} get?"; }
        if (s >= 4) { int k = d.R(2, 4); d.Say($"{n} and {Friends(k - 1)} share the change equally."); v = d.Calc("Each", v, '/', k); question = "How much does each person get?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Ages(Draft d)
    {
        string a = d.Name(), b = d.Name(), c = d.Name(), e = d.Name();
        int ageA = d.R(3, 15);
        int stages = d.Kind == AnswerKind.Integer ? d.Steps : d.Steps - EndingSteps(d.Kind);
        if (!d.Require(stages >= 0 && stages <= (d.Kind == AnswerKind.Integer ? 4 : 3))) return;
        string last = b;
        decimal v;
        if (stages == 0) { v = d.R(ageA + 1, 60); d.Say($"{a} is {ageA} years old and {b} is {v}."); }
        else
        {
            int older = d.R(2, 12);
            d.Say($"{a} is {ageA} years old. {b} is {older} years older.");
            v = d.Calc(b, ageA, '+', older);
        }
        var question = $"How old is {b}?";
        if (stages >= 2) { int k = d.R(2, 4); d.Say($"{c} is {(k == 2 ? "twice" : $"{k} times")} as old as {b}."); v = d.Calc(c, v, '*', k); last = c; question = $"How old is {c}?"; d.Require(v < 100); }
        if (stages >= 3) { int y = d.R(2, 20); d.Say($"{e} is {y} years younger than {c}."); v = d.Calc(e, v, '-', y); last = e; question = $"How old is {e}?"; }
        if (stages >= 4) { int y = d.R(2, 10); d.Say($"How old will {e} be in {y} years?"); v = d.Calc($"In {y} years", v, '+', y); d.Final(v); return; }
        switch (d.Kind)
        {
            case AnswerKind.Integer: d.Say(question); d.Final(v); break;
            case AnswerKind.Fraction: d.Say($"What fraction of {last}'s age is {a}'s age?"); d.Require(v > ageA); d.FinalFraction("Fraction", ageA, v); break;
            default: d.Say($"What percent of {last}'s age is {a}'s age?"); d.FinalPercent("Share", ageA, v); break;
        }
    }

    private static void Work(Draft d)
    {
        string item = d.Pick("toy", "cup", "bolt", "cap", "lamp", "shoe");
        int stages = d.Kind == AnswerKind.Integer ? d.Steps : d.Steps - EndingSteps(d.Kind);
        if (!d.Require(stages >= 0 && stages <= (d.Kind == AnswerKind.Integer ? 4 : 2))) return;
        decimal v;
        if (stages == 0) { v = d.R(10, 200); d.Say($"A machine makes {v} {item}s."); }
        else
        {
            int rate = d.R(3, 40), hours = d.R(2, 9);
            d.Say($"A machine makes {rate} {item}s an hour for {hours} hours.");
            v = d.Calc("Made", rate, '*', hours);
        }
        var question = $"How many {item}s does it make?";
        if (stages >= 2) { int m = d.R(5, 90); d.Say($"Another machine makes {m} {item}s."); v = d.Calc("Total", v, '+', m); question = $"How many {item}s are made in all?"; }
        if (d.Kind != AnswerKind.Integer)
        {
            int broken = d.R(2, Math.Max(2, (int)v / 2));
            d.Say($"{broken} of them are broken. What {(d.Kind == AnswerKind.Fraction ? "fraction" : "percent")} of the {item}s are broken?");
            if (d.Kind == AnswerKind.Fraction) d.FinalFraction("Broken", broken, v);
            else d.FinalPercent("Broken", broken, v);
            return;
        }
        if (stages >= 3) { int x = d.R(1, 20); d.Say($"{x} of them are broken."); v = d.Calc("Good", v, '-', x); question = $"How many good {item}s are there?"; }
        if (stages >= 4) { int k = d.Pick(2, 4, 5, 6, 10); d.Say($"They are packed {k} to a box."); v = d.Calc("Boxes", v, '/', k); question = "How many boxes are filled?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Speed(Draft d)
    {
        string n = d.Name();
        int s = d.Steps;
        decimal hours = d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.6) ? d.Pick(0.5m, 1.5m, 2.5m, 1.25m, 0.75m) : d.R(1, 6);
        int speed = d.R(6, 18) * 5;
        d.Say($"{n} drives at {speed} km/h for {Draft.F(hours)} hours.");
        var v = d.Calc("Distance", speed, '*', hours);
        var question = $"How many km does {n} drive?";
        if (s >= 2) { int more = d.R(5, 60); d.Say($"Then {n} drives {more} km more."); v = d.Calc("Total", v, '+', more); question = $"How many km does {n} drive in all?"; }
        if (s >= 3) { d.Say($"{n} drives back the same way."); v = d.Calc("Round trip", v, '*', 2); question = "How many km is the whole trip?"; }
        if (s >= 4) { int per = d.Pick(4, 5, 8, 10, 20); d.Say($"The car uses 1 liter of fuel per {per} km."); v = d.Calc("Fuel", v, '/', per); question = "How many liters of fuel does it use?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Discount(Draft d)
    {
        string n = d.Name(), item = d.Pick("coat", "lamp", "game", "bike", "watch", "chair", "rug");
        int s = d.Steps;
        if (d.Kind == AnswerKind.Percent)
        {
            int full = d.R(4, 40) * 5;
            if (!d.Require(s is 2 or 3)) return;
            decimal off;
            if (s == 2) { off = d.R(1, full / 2); d.Say($"A {item} costs {Money(full)}. {n} gets {Money(off)} off."); }
            else
            {
                int now = d.R(full / 2, full - 1);
                d.Say($"A {item} was {Money(full)} and now costs {Money(now)}.");
                off = d.Calc("Saved", full, '-', now);
            }
            d.Say("What percent off is that?");
            d.FinalPercent("Share", off, full);
            return;
        }
        int price = d.Kind == AnswerKind.Decimal ? d.R(5, 99) : d.R(2, 40) * 5;
        int pct = d.Pick(10, 20, 25, 30, 40, 50, 75);
        d.Say($"A {item} costs {Money(price)}. It is {pct}% off.");
        var discount = d.Calc("Discount", price, '*', pct / 100m);
        var v = discount;
        var question = "How many dollars is the discount?";
        if (s >= 2) { v = d.Calc("Sale price", price, '-', discount); question = "What is the sale price?"; }
        if (s >= 3) { int k = d.R(2, 5); d.Say($"{n} buys {k} of them."); v = d.Calc("Cost", v, '*', k); question = $"How much does {n} pay?"; }
        if (s >= 4) { int bill = Bill(d, v); d.Say($"{n} pays with {Money(bill)}."); v = d.Calc("Change", bill, '-', v); question = $"How much change does {n} get?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Sharing(Draft d)
    {
        string n = d.Name(), m = d.Name(), food = d.Pick("rice", "flour", "sugar", "beans", "nuts", "oats");
        if (d.Kind == AnswerKind.Fraction)
        {
            int stages = d.Steps - 1;
            if (!d.Require(stages is >= 0 and <= 2)) return;
            decimal total;
            if (stages == 0) { total = d.R(4, 60); d.Say($"{n} has {total} kg of {food}."); }
            else
            {
                int bags = d.R(2, 8), per = d.R(2, 10);
                d.Say($"{n} has {bags} bags with {per} kg of {food} each.");
                total = d.Calc("Total", bags, '*', per);
                if (stages == 2) { int more = d.R(1, 15); d.Say($"A friend gives {n} {more} kg more."); total = d.Calc("Now", total, '+', more); }
            }
            int given = d.R(1, Math.Max(1, (int)total - 1));
            d.Say($"{n} gives {given} kg to {m}. What fraction of the {food} does {n} give away?");
            d.FinalFraction("Given", given, total);
            return;
        }
        int s = d.Steps, count = d.R(2, 8);
        decimal each = d.R(2, 10) + (d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.5) ? 0.5m : 0);
        d.Say($"{n} has {count} bags with {Draft.F(each)} kg of {food} each.");
        var v = d.Calc("Total", count, '*', each);
        var question = $"How many kg of {food} does {n} have?";
        if (s >= 2) { int used = d.R(1, 9); d.Say($"{n} uses {used} kg."); v = d.Calc("Left", v, '-', used); question = "How many kg are left?"; }
        if (s >= 3) { int more = d.R(1, 15); d.Say($"A friend gives {n} {more} kg more."); v = d.Calc("Now", v, '+', more); question = $"How many kg does {n} have now?"; }
        if (s >= 4) { int k = d.Pick(2, 3, 4, 5); d.Say($"{n} shares it equally among {k} families."); v = d.Calc("Each", v, '/', k); question = "How many kg does each family get?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Recipe(Draft d)
    {
        string n = d.Name();
        int s = d.Steps;
        if (d.Kind == AnswerKind.Fraction)
        {
            int bag = d.Pick(10, 12, 16, 20, 24, 25, 30);
            decimal used;
            if (s == 1) { used = d.R(1, bag - 1); d.Say($"{n} uses {used} cups from a {bag}-cup bag of flour."); }
            else if (s == 2)
            {
                int bread = d.R(1, bag / 2), cake = d.R(1, bag / 2);
                d.Say($"{n} uses {bread} cups of flour for bread and {cake} for a cake, from a {bag}-cup bag.");
                used = d.Calc("Used", bread, '+', cake);
            }
            else if (s == 3)
            {
                int cakes = d.R(2, 4), cups = d.R(1, 4), bread = d.R(1, 5);
                d.Say($"{n} bakes {cakes} cakes with {cups} cups of flour each and bread with {bread} cups, from a {bag}-cup bag.");
                used = d.Calc("Cakes", cakes, '*', cups);
                used = d.Calc("Used", used, '+', bread);
            }
            else { d.Fail(); return; }
            d.Require(used < bag);
            d.Say("What fraction of the bag is used?");
            d.FinalFraction("Fraction", used, bag);
            return;
        }
        // Eggs are whole; cups of flour may be halves, which is where decimals come from.
        bool flour = d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.6);
        string what = flour ? "cups of flour" : "eggs", unit = flour ? "cups" : "eggs";
        decimal per = flour ? d.R(1, 4) + 0.5m : d.R(2, 4);
        int count = d.R(2, 9);
        d.Say($"A cake needs {Draft.F(per)} {what}. {n} bakes {count} cakes.");
        var v = d.Calc(flour ? "Flour" : "Eggs", per, '*', count);
        var question = $"How many {unit} does {n} need?";
        if (s >= 2) { int have = d.R(1, 9); d.Say($"{n} already has {have} {unit}."); v = d.Calc("To buy", v, '-', have); question = $"How many {unit} must {n} buy?"; }
        if (s >= 3)
        {
            decimal price = d.Pick(1, 2, 3) + (d.Kind == AnswerKind.Decimal && !flour ? d.Pick(0.25m, 0.5m) : 0);
            d.Say($"They cost {Money(price)} per {(flour ? "cup" : "egg")}.");
            v = d.Calc("Cost", v, '*', price);
            question = $"How much does {n} spend?";
        }
        if (s >= 4) { int k = d.R(2, 4); d.Say($"{n} and {Friends(k - 1)} split the cost equally."); v = d.Calc("Each", v, '/', k); question = "How much does each person pay?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Savings(Draft d)
    {
        string n = d.Name();
        int s = d.Steps;
        if (d.Kind == AnswerKind.Percent)
        {
            string thing = d.Pick("bike", "tent", "phone", "guitar", "scooter");
            int goal = d.Pick(50, 100, 200, 250, 400, 500);
            decimal saved;
            if (s == 2) { saved = d.R(1, goal - 1); d.Say($"{n} has saved {Money(saved)}."); }
            else
            {
                int week = d.R(2, 20), weeks = d.R(2, 10);
                d.Say($"{n} saves {Money(week)} a week for {weeks} weeks.");
                saved = d.Calc("Saved", week, '*', weeks);
                if (s == 4) { int had = d.R(1, 40); d.Say($"{n} already had {Money(had)}."); saved = d.Calc("Total", saved, '+', had); }
            }
            d.Say($"A {thing} costs {Money(goal)}. What percent of the price has {n} saved?");
            d.FinalPercent("Share", saved, goal);
            return;
        }
        int perWeek = d.R(2, 25), count = d.R(2, 12);
        d.Say($"{n} saves {Money(perWeek)} a week for {count} weeks.");
        var v = d.Calc("Saved", perWeek, '*', count);
        var question = $"How much does {n} save?";
        if (s >= 2) { int had = d.R(5, 90); d.Say($"{n} already had {Money(had)}."); v = d.Calc("Total", v, '+', had); question = $"How much does {n} have now?"; }
        if (s >= 3)
        {
            int rate = d.Pick(2, 4, 5, 10, 20);
            d.Say($"The bank adds {rate}% interest.");
            var interest = d.Calc("Interest", v, '*', rate / 100m);
            question = $"How much interest does {n} get?";
            if (s >= 4) { v = d.Calc("With interest", v, '+', interest); question = $"How much does {n} have after interest?"; }
            else v = interest;
        }
        d.Say(question);
        d.Final(v);
    }

    private static void Geometry(Draft d)
    {
        string n = d.Name();
        int s = d.Steps;
        decimal v;
        string cost;
        if (d.Rng.Chance(0.5))
        {
            decimal length = d.R(3, 15) + (d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.5) ? 0.5m : 0);
            int width = d.R(2, 12);
            d.Say($"A room is {Draft.F(length)} m long and {width} m wide.");
            v = d.Calc("Area", length, '*', width);
            d.Say(s == 1 ? "What is its area in square meters?" : "");
            if (s >= 2) { decimal c = d.R(2, 9) + Cents(d); d.Say($"Tiles cost {Money(c)} per square meter."); v = d.Calc("Tiles", v, '*', c); }
            cost = "do the tiles cost";
        }
        else
        {
            decimal side = d.R(3, 40) + (d.Kind == AnswerKind.Decimal && d.Rng.Chance(0.5) ? d.Pick(0.25m, 0.5m) : 0);
            d.Say($"A square yard has sides of {Draft.F(side)} m.");
            v = d.Calc("Perimeter", side, '*', 4);
            d.Say(s == 1 ? "How many meters of fence go around it?" : "");
            if (s >= 2) { decimal c = d.R(2, 9) + Cents(d); d.Say($"Fence costs {Money(c)} per meter."); v = d.Calc("Fence", v, '*', c); }
            cost = "does the fence cost";
        }
        if (s == 2) d.Say($"How much {cost}?");
        if (s >= 3) { int extra = d.R(10, 90); d.Say($"Fitting costs {Money(extra)} more."); v = d.Calc("Total", v, '+', extra); }
        if (s == 3) d.Say("What is the total cost?");
        if (s >= 4) { int k = d.R(2, 4); d.Say($"{n} and {Friends(k - 1)} split the cost equally. How much does each pay?"); v = d.Calc("Each", v, '/', k); }
        d.Final(v);
    }

    private static void Schedule(Draft d)
    {
        string n = d.Name(), b = d.Name();
        var (verb, noun) = d.Pick(("reads", "reading"), ("runs", "running"), ("paints", "painting"), ("practices piano", "practice"));
        // A decimal ends with a conversion to hours; an integer may too (at four steps), when the minutes divide evenly.
        int stages = d.Kind == AnswerKind.Decimal || d.Steps == 4 ? d.Steps - 1 : d.Steps;
        decimal v;
        string who = n;
        if (stages == 0) { v = d.R(2, 30) * 5; d.Say($"{n} {verb} for {v} minutes."); }
        else
        {
            int minutes = d.Pick(10, 15, 20, 25, 30, 40, 45), days = d.R(2, 7);
            d.Say($"{n} {verb} {minutes} minutes a day for {days} days.");
            v = d.Calc("Minutes", minutes, '*', days);
        }
        var question = $"How many minutes of {noun} is that?";
        if (stages >= 2) { int extra = d.R(1, 12) * 5; d.Say($"{n} also does {extra} minutes on Sunday."); v = d.Calc("Total", v, '+', extra); question = $"How many minutes does {n} spend in all?"; }
        if (stages >= 3) { d.Say($"{b} spends twice as long."); v = d.Calc(b, v, '*', 2); who = b; question = $"How many minutes does {b} spend?"; }
        if (stages < d.Steps) { d.Say($"How many hours {(who == n ? "is that" : $"does {b} spend")}?"); v = d.Calc("Hours", v, '/', 60); }
        else d.Say(question);
        d.Final(v);
    }

    private static void Inventory(Draft d)
    {
        string item = d.Pick("apples", "eggs", "cans", "pens", "socks", "jars");
        if (d.Kind != AnswerKind.Integer)
        {
            int stages = d.Steps - EndingSteps(d.Kind);
            if (!d.Require(stages is 0 or 1)) return;
            decimal stock;
            if (stages == 0) { stock = d.R(10, 300); d.Say($"A shop has {stock} {item}."); }
            else
            {
                int boxes = d.R(2, 20), per = d.Pick(6, 10, 12, 20, 24, 25);
                d.Say($"A shop has {boxes} boxes of {per} {item}.");
                stock = d.Calc("Stock", boxes, '*', per);
            }
            int sold = d.R(1, (int)stock - 1);
            d.Say($"It sells {sold} of them. What {(d.Kind == AnswerKind.Fraction ? "fraction" : "percent")} of the {item} does it sell?");
            if (d.Kind == AnswerKind.Fraction) d.FinalFraction("Sold", sold, stock);
            else d.FinalPercent("Sold", sold, stock);
            return;
        }
        int s = d.Steps, a = d.R(2, 20), b = d.Pick(6, 10, 12, 20, 24, 25);
        d.Say($"A shop has {a} boxes of {b} {item}.");
        var v = d.Calc("Stock", a, '*', b);
        var question = $"How many {item} does the shop have?";
        if (s >= 2) { int sold = d.R(1, (int)v - 1); d.Say($"It sells {sold} of them."); v = d.Calc("Left", v, '-', sold); question = $"How many {item} are left?"; }
        if (s >= 3) { int more = d.R(5, 100); d.Say($"A delivery brings {more} more."); v = d.Calc("Now", v, '+', more); question = $"How many {item} does it have now?"; }
        if (s >= 4) { int price = d.R(1, 5); d.Say($"It sells them all at {Money(price)} each."); v = d.Calc("Sales", v, '*', price); question = "How much money does it get?"; }
        d.Say(question);
        d.Final(v);
    }

    private static void Units(Draft d)
    {
        string n = d.Name();
        var (stuff, pieces, big, small, factor, cut) = d.Pick(
            ("ribbon", "pieces", "meters", "centimeters", 100, "cuts the rest into {0} cm pieces"),
            ("cheese", "blocks", "kilograms", "grams", 1000, "cuts the rest into {0} g slices"),
            ("juice", "bottles", "liters", "milliliters", 1000, "pours the rest into {0} mL cups"));
        int s = d.Steps;
        decimal v;
        if (d.Kind == AnswerKind.Decimal)
        {
            // Small units all the way, then one conversion up: 250 cm → 2.5 m.
            int stages = s - 1;
            if (stages == 0) { v = d.R(3, 99) * 5; d.Say($"{n} has {v} {small} of {stuff}."); }
            else
            {
                int count = d.R(2, 6), each = d.R(2, 40) * 5;
                d.Say($"{n} has {count} {pieces} of {stuff}, {each} {small} each.");
                v = d.Calc("Total", count, '*', each);
                if (stages >= 2) { int used = d.R(1, 20) * 5; d.Say($"{n} uses {used} {small}."); v = d.Calc("Left", v, '-', used); }
                if (stages >= 3) { int more = d.R(1, 20) * 5; d.Say($"{n} gets {more} {small} more."); v = d.Calc("Now", v, '+', more); }
            }
            d.Say($"How many {big} of {stuff} is that?");
            v = d.Calc($"In {big}", v, '/', factor);
            d.Final(v);
            return;
        }
        int n2 = d.R(2, 6), per = d.R(2, 5);
        d.Say($"{n} has {n2} {pieces} of {stuff}, {per} {big} each.");
        v = d.Calc("Total", n2, '*', per);
        var question = $"How many {big} of {stuff} does {n} have?";
        if (s >= 2) { v = d.Calc($"In {small}", v, '*', factor); question = $"How many {small} of {stuff} does {n} have?"; }
        if (s >= 3) { int used = d.R(1, 9) * (factor / 10); d.Say($"{n} uses {used} {small}."); v = d.Calc("Left", v, '-', used); question = $"How many {small} are left?"; }
        if (s >= 4)
        {
            int k = d.Pick(factor / 20, factor / 10, factor / 5, factor / 4);
            d.Say($"{n} {string.Format(System.Globalization.CultureInfo.InvariantCulture, cut, k)}.");
            v = d.Calc("Parts", v, '/', k);
            question = $"How many {cut.Split(' ')[^1]} are there?";
        }
        d.Say(question);
        d.Final(v);
    }

    private static void Averages(Draft d)
    {
        string n = d.Name();
        int s = d.Steps;
        if (s <= 2)
        {
            int a = d.R(50, 100), b = d.R(50, 100);
            d.Say($"{n} scores {a} and {b} on two tests.");
            var total = d.Calc("Total", a, '+', b);
            if (s == 1) { d.Say($"What is {n}'s total score?"); d.Final(total); return; }
            d.Say($"What is {n}'s average score?");
            d.Final(d.Calc("Average", total, '/', 2));
            return;
        }
        int[] scores = [d.R(50, 100), d.R(50, 100), d.R(50, 100), d.R(50, 100)];
        d.Say($"{n} scores {scores[0]}, {scores[1]}, {scores[2]} and {scores[3]} on four tests.");
        decimal sum = scores[0];
        for (int i = 1; i < 4; i++) sum = d.Calc("Total", sum, '+', scores[i]);
        if (s == 3) { d.Say($"What is {n}'s total score?"); d.Final(sum); return; }
        d.Say($"What is {n}'s average score?");
        d.Final(d.Calc("Average", sum, '/', 4));
    }

    private static void Classroom(Draft d)
    {
        int girls = d.R(5, 20), boys = d.R(5, 20);
        if (d.Kind != AnswerKind.Integer)
        {
            int stages = d.Steps - EndingSteps(d.Kind);
            if (!d.Require(stages is 0 or 1)) return;
            decimal total;
            if (stages == 0) { total = girls + boys; d.Say($"A class of {total} students has {girls} girls."); }
            else { d.Say($"A class has {girls} girls and {boys} boys."); total = d.Calc("Students", girls, '+', boys); }
            d.Say($"What {(d.Kind == AnswerKind.Fraction ? "fraction" : "percent")} of the class are girls?");
            if (d.Kind == AnswerKind.Fraction) d.FinalFraction("Girls", girls, total);
            else d.FinalPercent("Girls", girls, total);
            return;
        }
        int s = d.Steps;
        d.Say($"A class has {girls} girls and {boys} boys.");
        var v = d.Calc("Students", girls, '+', boys);
        var question = "How many students are in the class?";
        if (s >= 2) { int absent = d.R(2, 6); d.Say($"{absent} students are absent."); v = d.Calc("Present", v, '-', absent); question = "How many students are present?"; }
        if (s >= 3) { int k = d.Pick(2, 3, 4, 5); d.Say($"They sit in groups of {k}."); v = d.Whole(d.Calc("Groups", v, '/', k)); question = "How many groups are there?"; }
        if (s >= 4) { int p = d.R(2, 6); d.Say($"Each group gets {p} pencils."); v = d.Calc("Pencils", v, '*', p); question = "How many pencils are needed?"; }
        d.Say(question);
        d.Final(v);
    }
}
