// Cadenza.amxd: the Groove mode's model. Groove and Drumify read the selected clip as Restyle
// does and write their answer as a NEW clip by Target (next empty slot below the source, or the
// Arrangement after it), never over the clip: the user's notes stay as they were, and the grooved
// clip sits beside them to compare, keep or delete (Live's undo alone would lose the original as
// soon as anything else is done). Only the model differs: groove is answered by a model whose
// operations include groove (the groove engine), chosen as the daemon chooses it; Drumify's
// model is the daemon's choice (docs/PROTOCOL.md, Drumify) unless the Model menu names one.
//
// Why a module of its own: as device_interpolate.js and device_accompany.js, it holds what only
// this mode needs (the model and what the status line says about it); the reading and writing
// are device_main.js's and device_place.js's, shared with Restyle.

var CadenzaGroove = (function () {
    function model(models, chosen) {
        return CadenzaProtocol.modelFor(models, chosen, "groove");
    }

    // What the status line says about Groove's model, once the model list is in.
    function modelText(models, chosen) {
        var m = model(models, chosen);
        if (!m) {
            return "Groove needs a model that grooves, and this Cadenza serves none (" +
                CadenzaUI.modelNames(models) + "): start `cadenza serve` with models/groove, then press Go.";
        }
        var note = chosen && m.name !== chosen ? " (" + chosen + " cannot groove)" : "";
        return "Groove uses model " + m.name + note + ": it plays the selected clip with feel (Amount, Swing) " +
            "as a new clip beside it; the clip itself is kept.";
    }

    return {
        model: model,
        modelText: modelText
    };
}());
