// The device's [udpreceive], made by the script once it has a port to listen on.
//
// Why: a [udpreceive N] saved in the patcher binds N the moment the device loads, so a second
// Cadenza device (or any other program on N) makes Max print a bind error at load. The patcher
// holds no [udpreceive] at all; the script creates one on the port the client chose (a port no
// other Cadenza device holds, see CadenzaClient), wires it into its own inlet, and retargets it
// with "port N". @quiet 1 keeps its status notices out of the Max console.

var CadenzaReceiver = (function () {
    var NAME = "cadenza_udpreceive";

    // jsthis: the [js] object's `this` (its .patcher and .box).
    function Receiver(jsthis) {
        this.jsthis = jsthis;
        this.obj = null;
        this.port = 0;
    }

    Receiver.prototype.listen = function (port) {
        var patcher = this.jsthis.patcher;
        if (!this.obj) {
            // A receiver left by an earlier edit of the device is replaced, not reused: its
            // saved port is not the one chosen now.
            var stale = patcher.getnamed(NAME);
            if (stale) {
                patcher.remove(stale);
            }
            var rect = this.jsthis.box.rect;
            this.obj = patcher.newdefault(rect[0], rect[3] + 40, "udpreceive", port, "@quiet", 1);
            this.obj.varname = NAME;
            patcher.connect(this.obj, 0, this.jsthis.box, 0);
        } else if (port !== this.port) {
            this.obj.message("port", port);
        }
        this.port = port;
    };

    Receiver.prototype.close = function () {
        if (this.obj) {
            this.jsthis.patcher.remove(this.obj);
            this.obj = null;
        }
    };

    return {NAME: NAME, Receiver: Receiver};
}());
